// Shared by every EdgeAgent kernel module. Header-free on purpose: NVRTC finds no toolkit
// headers on a bare driver install, so half precision is raw 16-bit storage converted with
// inline PTX. STORAGE_HALF selects what a float tensor is stored as in device memory.
typedef unsigned short half_t;
typedef unsigned int u32;

__device__ __forceinline__ float load_f(float v) { return v; }
__device__ __forceinline__ float load_f(half_t h) { float f; asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h)); return f; }
__device__ __forceinline__ half_t to_half(float f) { half_t h; asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f)); return h; }
__device__ __forceinline__ void store_f(float* p, float v) { *p = v; }
__device__ __forceinline__ void store_f(half_t* p, float v) { *p = to_half(v); }

#if STORAGE_HALF
typedef half_t T;
#else
typedef float T;
#endif

// Activation codes follow EdgeAgent.Engine.Graph.Ops.ActivationKind.
struct Epilogue
{
    int act;
    float alpha, beta;
    int act_first;
    float post_scale, post_shift;
};

__device__ __forceinline__ float activate(float x, int act, float a, float b)
{
    switch (act)
    {
    case 1: return x > 0.f ? x : 0.f;
    case 2: return fminf(fmaxf(x, a), b);
    case 3: return x >= 0.f ? x : a * x;
    case 4: return 1.f / (1.f + expf(-x));
    case 5: return fminf(fmaxf(a * x + b, 0.f), 1.f);
    case 6: return x * fminf(fmaxf(x / 6.f + 0.5f, 0.f), 1.f);
    case 7: return tanhf(x);
    case 8: return x / (1.f + expf(-x));
    case 9: return 0.5f * x * (1.f + erff(x * 0.7071067811865475f));
    default: return x;
    }
}

// bias, then residual and activation in the order the fused node asks for, then the post affine.
__device__ __forceinline__ float epilogue(float v, const Epilogue& e, bool has_residual, float residual)
{
    if (!has_residual) v = activate(v, e.act, e.alpha, e.beta);
    else if (e.act_first) v = activate(v, e.act, e.alpha, e.beta) + residual;
    else v = activate(v + residual, e.act, e.alpha, e.beta);
    return v * e.post_scale + e.post_shift;
}

// Convolution geometry shared by the implicit-GEMM kernels. GEMM view per group:
// M = output channels, N = batch * output pixels, K = input channels * window.
struct ConvParams
{
    int batch, c, h, w;
    int m, oh, ow;
    int kdim, kpad, mpad;
    int groups, m_per_group, c_per_group;
    int stride_h, stride_w, pad_h, pad_w;
    int npix;
    int has_residual;
    int splits;
    Epilogue ep;
};
