// MatMul of two activations, batched: C[b] = A[b] * B[b] for attention's QK^T and softmax(.)V;
// and MatMul by constant weights over token rows (rows_matmul), with the fused epilogue.
// Each operand is read through (batch, row, column) element strides, so a transposed or
// broadcast operand (stride 0 over the batch) needs no copy. One 32 x 32 tile of C per block
// of 256 threads, 2 x 2 outputs per thread, K in steps of 32 through shared memory; float
// accumulation whatever the storage type.
#define MM_TILE 32
#define MM_TK 32

struct MatMulStrides
{
    long long a_batch, a_row, a_col;
    long long b_batch, b_row, b_col;
    long long c_batch;
};

// acc[i][j] = C[row0 + ty + 16 i][col0 + tx + 16 j] of A [m x k] times B [k x n] read through the strides.
__device__ __forceinline__ void matmul_tile(const T* __restrict__ a, const T* __restrict__ b, int m, int n, int k,
    long long a_row, long long a_col, long long b_row, long long b_col, int row0, int col0, float (&acc)[2][2])
{
    __shared__ float as[MM_TK][MM_TILE + 1]; // as[kk][row]
    __shared__ float bs[MM_TK][MM_TILE + 1]; // bs[kk][col]
    int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
    for (int k0 = 0; k0 < k; k0 += MM_TK)
    {
        // 1024 elements of each tile, 4 per thread; consecutive threads walk A along K and B along N.
#pragma unroll
        for (int i = 0; i < 4; i++)
        {
            int e = tid + i * 256;
            int kk = e & (MM_TK - 1), r = e >> 5;
            int gr = row0 + r, gk = k0 + kk;
            as[kk][r] = gr < m && gk < k ? load_f(a[gr * a_row + gk * a_col]) : 0.f;
            int cc = e & (MM_TILE - 1), bk = e >> 5;
            int gc = col0 + cc, gbk = k0 + bk;
            bs[bk][cc] = gc < n && gbk < k ? load_f(b[gbk * b_row + gc * b_col]) : 0.f;
        }
        __syncthreads();
#pragma unroll 8
        for (int kk = 0; kk < MM_TK; kk++)
        {
            float a0 = as[kk][ty], a1 = as[kk][ty + 16];
            float b0 = bs[kk][tx], b1 = bs[kk][tx + 16];
            acc[0][0] += a0 * b0; acc[0][1] += a0 * b1;
            acc[1][0] += a1 * b0; acc[1][1] += a1 * b1;
        }
        __syncthreads();
    }
}

extern "C" __global__ void __launch_bounds__(256) batched_matmul(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ c,
    int m, int n, int k, MatMulStrides s)
{
    int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
    int row0 = blockIdx.y * MM_TILE, col0 = blockIdx.x * MM_TILE;
    float acc[2][2] = { { 0.f, 0.f }, { 0.f, 0.f } };
    matmul_tile(a + blockIdx.z * s.a_batch, b + blockIdx.z * s.b_batch, m, n, k, s.a_row, s.a_col, s.b_row, s.b_col, row0, col0, acc);
    T* cb = c + blockIdx.z * s.c_batch;
#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 2; j++)
        {
            int r = row0 + ty + 16 * i, col = col0 + tx + 16 * j;
            if (r < m && col < n) store_f(&cb[(long long)r * n + col], acc[i][j]);
        }
}

// Y [m x n] = X [m x k] * W [k x n] + bias[col], then the fused activation and post affine: a
// MatMul by constant weights over a transformer's tokens, X and W both read along rows.
extern "C" __global__ void __launch_bounds__(256) rows_matmul(const T* __restrict__ x, const T* __restrict__ w, T* __restrict__ y,
    const float* __restrict__ bias, int m, int n, int k, Epilogue e)
{
    int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
    int row0 = blockIdx.y * MM_TILE, col0 = blockIdx.x * MM_TILE;
    float acc[2][2] = { { 0.f, 0.f }, { 0.f, 0.f } };
    matmul_tile(x, w, m, n, k, k, 1, n, 1, row0, col0, acc);
#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 2; j++)
        {
            int r = row0 + ty + 16 * i, col = col0 + tx + 16 * j;
            if (r < m && col < n) store_f(&y[(long long)r * n + col], epilogue(acc[i][j] + bias[col], e, false, 0.f));
        }
}
