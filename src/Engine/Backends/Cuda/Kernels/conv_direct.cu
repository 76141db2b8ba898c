// Direct kernels for convolutions that are not worth a GEMM: depthwise (one filter per
// channel) and transposed convolution in gather form (each output sums the inputs that reach
// it, so no atomics). One thread per output element, pixels fastest for coalesced access.
struct DirectParams
{
    int batch, c, h, w;
    int m, oh, ow;
    int kh, kw, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w;
    int groups;
    int has_residual;
    Epilogue ep;
};

extern "C" __global__ void conv_depthwise(const T* __restrict__ x, const float* __restrict__ wt, const float* __restrict__ bias,
    const T* __restrict__ residual, T* __restrict__ y, DirectParams p)
{
    size_t total = (size_t)p.batch * p.m * p.oh * p.ow;
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    int ox = (int)(i % p.ow);
    size_t t = i / p.ow;
    int oy = (int)(t % p.oh);
    t /= p.oh;
    int ch = (int)(t % p.m);
    int b = (int)(t / p.m);
    const T* xp = x + ((size_t)b * p.c + ch) * p.h * p.w;
    const float* wp = wt + (size_t)ch * p.kh * p.kw;
    float acc = 0.f;
    for (int r = 0; r < p.kh; r++)
    {
        int iy = oy * p.stride_h - p.pad_h + r * p.dil_h;
        if ((unsigned)iy >= (unsigned)p.h) continue;
        for (int s = 0; s < p.kw; s++)
        {
            int ix = ox * p.stride_w - p.pad_w + s * p.dil_w;
            if ((unsigned)ix < (unsigned)p.w) acc = fmaf(load_f(xp[iy * p.w + ix]), wp[r * p.kw + s], acc);
        }
    }
    float res = p.has_residual ? load_f(residual[i]) : 0.f;
    store_f(&y[i], epilogue(acc + bias[ch], p.ep, p.has_residual != 0, res));
}

// Weights in ONNX ConvTranspose layout: [C, M / groups, KH, KW].
extern "C" __global__ void conv_transpose(const T* __restrict__ x, const float* __restrict__ wt, const float* __restrict__ bias,
    const T* __restrict__ residual, T* __restrict__ y, DirectParams p)
{
    size_t total = (size_t)p.batch * p.m * p.oh * p.ow;
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    int ox = (int)(i % p.ow);
    size_t t = i / p.ow;
    int oy = (int)(t % p.oh);
    t /= p.oh;
    int co = (int)(t % p.m);
    int b = (int)(t / p.m);
    int mpg = p.m / p.groups, cpg = p.c / p.groups;
    int g = co / mpg, com = co - g * mpg;
    float acc = 0.f;
    for (int r = 0; r < p.kh; r++)
    {
        int ty = oy + p.pad_h - r * p.dil_h;
        if (ty < 0 || ty % p.stride_h != 0) continue;
        int iy = ty / p.stride_h;
        if (iy >= p.h) continue;
        for (int s = 0; s < p.kw; s++)
        {
            int tx = ox + p.pad_w - s * p.dil_w;
            if (tx < 0 || tx % p.stride_w != 0) continue;
            int ix = tx / p.stride_w;
            if (ix >= p.w) continue;
            for (int ci = 0; ci < cpg; ci++)
            {
                int cin = g * cpg + ci;
                acc = fmaf(load_f(x[(((size_t)b * p.c + cin) * p.h + iy) * p.w + ix]),
                           wt[(((size_t)cin * mpg + com) * p.kh + r) * p.kw + s], acc);
            }
        }
    }
    float res = p.has_residual ? load_f(residual[i]) : 0.f;
    store_f(&y[i], epilogue(acc + bias[co], p.ep, p.has_residual != 0, res));
}
