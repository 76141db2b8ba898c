// Memory-bound kernels: broadcast arithmetic, activations, conversions at the graph edges,
// copies for concat/split, transposes, pooling, nearest resize and row-wise softmax/layernorm.
#define MAX_RANK 6

// Output dims and each operand's element strides (0 where it broadcasts), innermost last.
struct Broadcast
{
    int rank;
    int dims[MAX_RANK];
    long long sa[MAX_RANK];
    long long sb[MAX_RANK];
};

__device__ __forceinline__ float binary(int op, float a, float b)
{
    switch (op)
    {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return powf(a, b);
    case 5: return fmaxf(a, b);
    default: return fminf(a, b);
    }
}

extern "C" __global__ void binary_broadcast(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ y, long long total, int op, Broadcast s)
{
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    long long rest = i, ia = 0, ib = 0;
    for (int d = s.rank - 1; d >= 0; d--)
    {
        long long q = rest / s.dims[d];
        int coord = (int)(rest - q * s.dims[d]);
        rest = q;
        ia += coord * s.sa[d];
        ib += coord * s.sb[d];
    }
    store_f(&y[i], binary(op, load_f(a[ia]), load_f(b[ib])));
}

// Same-shape operands, or b a single scalar (b_scalar): no index arithmetic.
extern "C" __global__ void binary_flat(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ y, long long total, int op, int b_scalar)
{
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    store_f(&y[i], binary(op, load_f(a[i]), load_f(b[b_scalar ? 0 : i])));
}

extern "C" __global__ void unary_activation(const T* __restrict__ x, T* __restrict__ y, long long total, int act, float alpha, float beta)
{
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < total) store_f(&y[i], activate(load_f(x[i]), act, alpha, beta));
}

extern "C" __global__ void float_to_storage(const float* __restrict__ x, T* __restrict__ y, long long total)
{
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < total) store_f(&y[i], x[i]);
}

extern "C" __global__ void storage_to_float(const T* __restrict__ x, float* __restrict__ y, long long total)
{
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < total) y[i] = load_f(x[i]);
}

// rows x width units copied between two pitched layouts (concat and split slices).
#define COPY_ROWS(NAME, U)                                                                              \
extern "C" __global__ void NAME(const U* __restrict__ src, U* __restrict__ dst, long long rows, long long width, \
    long long src_pitch, long long dst_pitch)                                                           \
{                                                                                                       \
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;                                     \
    if (i >= rows * width) return;                                                                      \
    long long r = i / width, c = i - r * width;                                                         \
    dst[r * dst_pitch + c] = src[r * src_pitch + c];                                                    \
}
COPY_ROWS(copy_rows_u8, unsigned char)
COPY_ROWS(copy_rows_u16, unsigned short)
COPY_ROWS(copy_rows_u32, unsigned int)
COPY_ROWS(copy_rows_u64, unsigned long long)

// Output-ordered transpose: dims are the output's, strides the input's along each output axis.
struct Permute
{
    int rank;
    int dims[MAX_RANK];
    long long strides[MAX_RANK];
};

#define TRANSPOSE(NAME, U)                                                                              \
extern "C" __global__ void NAME(const U* __restrict__ x, U* __restrict__ y, long long total, Permute s)  \
{                                                                                                       \
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;                                     \
    if (i >= total) return;                                                                             \
    long long rest = i, src = 0;                                                                        \
    for (int d = s.rank - 1; d >= 0; d--)                                                               \
    {                                                                                                   \
        long long q = rest / s.dims[d];                                                                 \
        src += (rest - q * s.dims[d]) * s.strides[d];                                                   \
        rest = q;                                                                                       \
    }                                                                                                   \
    y[i] = x[src];                                                                                      \
}
TRANSPOSE(transpose_u8, unsigned char)
TRANSPOSE(transpose_u16, unsigned short)
TRANSPOSE(transpose_u32, unsigned int)
TRANSPOSE(transpose_u64, unsigned long long)

struct Pool
{
    int planes, h, w, oh, ow, kh, kw, sh, sw, dh, dw, top, left, is_max, include_pad;
    int bottom, right;
};

extern "C" __global__ void pool2d(const T* __restrict__ x, T* __restrict__ y, Pool p)
{
    long long total = (long long)p.planes * p.oh * p.ow;
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    int ox = (int)(i % p.ow);
    long long t = i / p.ow;
    int oy = (int)(t % p.oh);
    int plane = (int)(t / p.oh);
    const T* xp = x + (long long)plane * p.h * p.w;
    float best = -3.402823466e38f, sum = 0.f;
    int count = 0;
    for (int r = 0; r < p.kh; r++)
    {
        int iy = oy * p.sh - p.top + r * p.dh;
        for (int s = 0; s < p.kw; s++)
        {
            int ix = ox * p.sw - p.left + s * p.dw;
            bool inside = (unsigned)iy < (unsigned)p.h && (unsigned)ix < (unsigned)p.w;
            if (inside)
            {
                float v = load_f(xp[iy * p.w + ix]);
                best = fmaxf(best, v);
                sum += v;
                count++;
            }
            else if (p.include_pad && iy < p.h + p.bottom && ix < p.w + p.right) count++;
        }
    }
    store_f(&y[i], p.is_max ? best : (count > 0 ? sum / count : 0.f));
}

// One warp per plane.
extern "C" __global__ void global_pool(const T* __restrict__ x, T* __restrict__ y, int planes, int length, int is_max)
{
    int plane = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
    int lane = threadIdx.x & 31;
    if (plane >= planes) return;
    const T* xp = x + (long long)plane * length;
    float acc = is_max ? -3.402823466e38f : 0.f;
    for (int i = lane; i < length; i += 32)
    {
        float v = load_f(xp[i]);
        acc = is_max ? fmaxf(acc, v) : acc + v;
    }
    for (int o = 16; o > 0; o >>= 1)
    {
        float other = __shfl_xor_sync(0xffffffffu, acc, o);
        acc = is_max ? fmaxf(acc, other) : acc + other;
    }
    if (lane == 0) store_f(&y[plane], is_max ? acc : acc / length);
}

extern "C" __global__ void resize_nearest(const T* __restrict__ x, T* __restrict__ y, const int* __restrict__ rows, const int* __restrict__ cols,
    int planes, int h, int w, int oh, int ow)
{
    long long total = (long long)planes * oh * ow;
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    int ox = (int)(i % ow);
    long long t = i / ow;
    int oy = (int)(t % oh);
    long long plane = t / oh;
    y[i] = x[(plane * h + rows[oy]) * w + cols[ox]];
}

__device__ __forceinline__ float block_reduce(float v, bool is_max, float* scratch)
{
    for (int o = 16; o > 0; o >>= 1)
    {
        float other = __shfl_xor_sync(0xffffffffu, v, o);
        v = is_max ? fmaxf(v, other) : v + other;
    }
    int warp = threadIdx.x / 32, lane = threadIdx.x & 31, warps = blockDim.x / 32;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : (is_max ? -3.402823466e38f : 0.f);
    for (int o = 16; o > 0; o >>= 1)
    {
        float other = __shfl_xor_sync(0xffffffffu, v, o);
        v = is_max ? fmaxf(v, other) : v + other;
    }
    return v;
}

// One block per row.
extern "C" __global__ void softmax_rows(const T* __restrict__ x, T* __restrict__ y, int length)
{
    __shared__ float scratch[32];
    const T* xr = x + (long long)blockIdx.x * length;
    T* yr = y + (long long)blockIdx.x * length;
    float m = -3.402823466e38f;
    for (int i = threadIdx.x; i < length; i += blockDim.x) m = fmaxf(m, load_f(xr[i]));
    m = block_reduce(m, true, scratch);
    float s = 0.f;
    for (int i = threadIdx.x; i < length; i += blockDim.x) s += expf(load_f(xr[i]) - m);
    s = block_reduce(s, false, scratch);
    float inv = 1.f / s;
    for (int i = threadIdx.x; i < length; i += blockDim.x) store_f(&yr[i], expf(load_f(xr[i]) - m) * inv);
}

extern "C" __global__ void layernorm_rows(const T* __restrict__ x, T* __restrict__ y, const float* __restrict__ scale, const float* __restrict__ bias,
    int length, float epsilon, int has_bias)
{
    __shared__ float scratch[32];
    const T* xr = x + (long long)blockIdx.x * length;
    T* yr = y + (long long)blockIdx.x * length;
    float s = 0.f;
    for (int i = threadIdx.x; i < length; i += blockDim.x) s += load_f(xr[i]);
    float mean = block_reduce(s, false, scratch) / length;
    float q = 0.f;
    for (int i = threadIdx.x; i < length; i += blockDim.x) { float d = load_f(xr[i]) - mean; q += d * d; }
    float inv = rsqrtf(block_reduce(q, false, scratch) / length + epsilon);
    for (int i = threadIdx.x; i < length; i += blockDim.x)
        store_f(&yr[i], (load_f(xr[i]) - mean) * inv * scale[i] + (has_bias ? bias[i] : 0.f));
}
