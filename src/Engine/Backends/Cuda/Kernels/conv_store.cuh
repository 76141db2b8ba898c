// Where an implicit-GEMM accumulator goes: straight through the epilogue into the NCHW output,
// or, when K is split across blocks, into the float partial sums a second kernel reduces.
__device__ __forceinline__ void conv_store(const ConvParams& p, float acc, int group, int split, int mloc, int n,
    const float* __restrict__ bias, const T* __restrict__ residual, T* __restrict__ y, float* __restrict__ partial)
{
    if (mloc >= p.m_per_group || n >= p.npix) return;
    int co = group * p.m_per_group + mloc;
    if (p.splits > 1)
    {
        partial[((size_t)split * p.m + co) * p.npix + n] = acc;
        return;
    }
    int ohw = p.oh * p.ow;
    int b = n / ohw, pix = n - b * ohw;
    size_t o = ((size_t)b * p.m + co) * ohw + pix;
    float r = p.has_residual ? load_f(residual[o]) : 0.f;
    store_f(&y[o], epilogue(acc + bias[co], p.ep, p.has_residual != 0, r));
}

// Sums the split-K partials of every (channel, pixel) and applies the epilogue.
extern "C" __global__ void conv_splitk_reduce(const float* __restrict__ partial, const float* __restrict__ bias,
    const T* __restrict__ residual, T* __restrict__ y, ConvParams p)
{
    size_t total = (size_t)p.m * p.npix;
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    int co = (int)(i / p.npix), n = (int)(i - (size_t)co * p.npix);
    float acc = 0.f;
    for (int s = 0; s < p.splits; s++) acc += partial[(size_t)s * total + i];
    int ohw = p.oh * p.ow;
    int b = n / ohw, pix = n - b * ohw;
    size_t o = ((size_t)b * p.m + co) * ohw + pix;
    float r = p.has_residual ? load_f(residual[o]) : 0.f;
    store_f(&y[o], epilogue(acc + bias[co], p.ep, p.has_residual != 0, r));
}
