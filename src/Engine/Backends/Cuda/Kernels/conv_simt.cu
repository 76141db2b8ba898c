// Implicit-GEMM convolution with plain FP32 FMA: the exact path (FP32 engines) and a tactic
// for any storage type. 64 x 64 tile, 256 threads, 4 x 4 outputs per thread, K in steps of 16.
// Same GEMM view and k table as conv_mma; weights are float here.
#define SBM 64
#define SBN 64
#define SBK 16

extern "C" __global__ void __launch_bounds__(256) conv_simt(
    const T* __restrict__ x, const float* __restrict__ wt, const float* __restrict__ bias, const int4* __restrict__ ktable,
    const T* __restrict__ residual, T* __restrict__ y, float* __restrict__ partial, ConvParams p)
{
    __shared__ float As[SBK][SBM + 4];
    __shared__ float Bs[SBK][SBN + 4];
    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    const int n0 = blockIdx.x * SBN, m0 = blockIdx.y * SBM;
    const int group = blockIdx.z % p.groups, split = blockIdx.z / p.groups;
    const int ktiles = p.kpad / SBK;
    const int per_split = (ktiles + p.splits - 1) / p.splits;
    const int kt_begin = split * per_split, kt_end = min(ktiles, kt_begin + per_split);
    const float* wg = wt + (size_t)group * p.mpad * p.kpad;
    const int hw = p.h * p.w, ohw = p.oh * p.ow;

    const int bn = tid % SBN, bk0 = tid / SBN;
    const int n = n0 + bn;
    const bool nvalid = n < p.npix;
    const int img = nvalid ? n / ohw : 0, pix = nvalid ? n - img * ohw : 0;
    const int oy = pix / p.ow, ox = pix - oy * p.ow;
    const int iy0 = oy * p.stride_h - p.pad_h, ix0 = ox * p.stride_w - p.pad_w;
    const T* xb = x + ((size_t)img * p.c + (size_t)group * p.c_per_group) * hw;

    float acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = 0.f;

    for (int kt = kt_begin; kt < kt_end; kt++)
    {
#pragma unroll
        for (int j = 0; j < 4; j++)
        {
            int e = tid + j * 256, row = e / SBK, col = e % SBK;
            As[col][row] = wg[(size_t)(m0 + row) * p.kpad + kt * SBK + col];
        }
#pragma unroll
        for (int j = 0; j < 4; j++)
        {
            int kk = bk0 + j * 4;
            int4 e = ktable[kt * SBK + kk];
            int iy = iy0 + e.y, ix = ix0 + e.z;
            Bs[kk][bn] = (nvalid && (unsigned)iy < (unsigned)p.h && (unsigned)ix < (unsigned)p.w) ? load_f(xb[e.x + iy * p.w + ix]) : 0.f;
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < SBK; k++)
        {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; i++) a[i] = As[k][ty * 4 + i];
#pragma unroll
            for (int j = 0; j < 4; j++) b[j] = Bs[k][tx * 4 + j];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
            conv_store(p, acc[i][j], group, split, m0 + ty * 4 + i, n0 + tx * 4 + j, bias, residual, y, partial);
}
