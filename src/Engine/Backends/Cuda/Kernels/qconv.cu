// INT8 kernels: QConv (QuantizedOps.QConv's semantics: exact int32 accumulation of int8 x int8,
// scaled per output channel, FusedConv's epilogue, optional requantization to symmetric int8)
// and QuantizeLinear at the edges of INT8 regions.
//
// qconv_dp4a: implicit GEMM with __dp4a (sm_61+), 64 x 64 tile, 256 threads, 4 x 4 outputs per
// thread, K in steps of 32 bytes. Weights are int8 [groups][MPAD][KPAD]; the input is gathered
// from NCHW through the same k table as the float kernels, four k at a time into one int.
extern "C" __global__ void __launch_bounds__(256) qconv_dp4a(
    const signed char* __restrict__ x, const signed char* __restrict__ wt, const float* __restrict__ w_scale, const float* __restrict__ bias,
    const int4* __restrict__ ktable, const void* __restrict__ residual, void* __restrict__ y, QConvParams q)
{
    const ConvParams& p = q.conv;
    __shared__ int As[8][64 + 1];
    __shared__ int Bs[8][64 + 1];
    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    const int n0 = blockIdx.x * 64, m0 = blockIdx.y * 64, group = blockIdx.z;
    const signed char* wg = wt + (size_t)group * p.mpad * p.kpad;
    const int hw = p.h * p.w, ohw = p.oh * p.ow;

    // Each thread gathers two 4-byte k groups of one pixel per tile.
    const int bn = tid % 64, bk0 = tid / 64;
    const int n = n0 + bn;
    const bool nvalid = n < p.npix;
    const int img = nvalid ? n / ohw : 0, pix = nvalid ? n - img * ohw : 0;
    const int oy = pix / p.ow, ox = pix - oy * p.ow;
    const int iy0 = oy * p.stride_h - p.pad_h, ix0 = ox * p.stride_w - p.pad_w;
    const signed char* xb = x + ((size_t)img * p.c + (size_t)group * p.c_per_group) * hw;

    int acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = 0;

    for (int k0 = 0; k0 < p.kpad; k0 += 32)
    {
#pragma unroll
        for (int j = 0; j < 2; j++)
        {
            int e = tid + j * 256, row = e / 8, k4 = e % 8;
            As[k4][row] = *(const int*)(wg + (size_t)(m0 + row) * p.kpad + k0 + k4 * 4);
        }
#pragma unroll
        for (int j = 0; j < 2; j++)
        {
            int k4 = bk0 + j * 4;
            unsigned packed = 0;
#pragma unroll
            for (int b = 0; b < 4; b++)
            {
                int4 e = ktable[k0 + k4 * 4 + b];
                int iy = iy0 + e.y, ix = ix0 + e.z;
                signed char v = (nvalid && (unsigned)iy < (unsigned)p.h && (unsigned)ix < (unsigned)p.w) ? xb[e.x + iy * p.w + ix] : 0;
                packed |= (unsigned)(unsigned char)v << (8 * b);
            }
            Bs[k4][bn] = (int)packed;
        }
        __syncthreads();
#pragma unroll
        for (int k4 = 0; k4 < 8; k4++)
        {
            int a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; i++) a[i] = As[k4][ty * 4 + i];
#pragma unroll
            for (int j = 0; j < 4; j++) b[j] = Bs[k4][tx * 4 + j];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] = __dp4a(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }

#pragma unroll
    for (int i = 0; i < 4; i++)
    {
        int mloc = m0 + ty * 4 + i;
        if (mloc >= p.m_per_group) continue;
        int co = group * p.m_per_group + mloc;
        float scale = q.x_scale * w_scale[co], b = bias[co];
#pragma unroll
        for (int j = 0; j < 4; j++)
        {
            int nn = n0 + tx * 4 + j;
            if (nn >= p.npix) continue;
            int im = nn / ohw, px = nn - im * ohw;
            size_t o = ((size_t)im * p.m + co) * ohw + px;
            float r = 0.f;
            if (p.has_residual)
                r = q.residual_int8 ? ((const signed char*)residual)[o] * q.residual_scale : load_f(((const T*)residual)[o]);
            float v = epilogue(acc[i][j] * scale + b, p.ep, p.has_residual != 0, r);
            if (q.out_int8) ((signed char*)y)[o] = requantize(v, q.inv_y_scale);
            else store_f(&((T*)y)[o], v);
        }
    }
}

// ONNX QuantizeLinear with a scalar scale and zero point 0: round half to even, saturate.
extern "C" __global__ void quantize_linear(const T* __restrict__ x, signed char* __restrict__ y, long long total, float scale)
{
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    float v = rintf(load_f(x[i]) / scale);
    y[i] = (signed char)fminf(fmaxf(v, -128.f), 127.f);
}
