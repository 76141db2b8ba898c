// INT8 implicit-GEMM convolution on channels-last activations, on tensor cores (sm_80+):
// mma.sync m16n8k32 s8 x s8 -> s32, exact int32 accumulation as QuantizedOps.QConv defines.
//
// GEMM per group: M = output channels, N = batch x output pixels, K = KH x KW x C_per_group with
// the channel fastest (k = (r * KW + s) * C_per_group + c). Weights (A) are int8
// [groups][MPAD][KPAD] in that k order. The input (B) is NHWC, so a run of VEC consecutive k is
// VEC contiguous bytes of one pixel: it is copied straight to shared memory with cp.async (zeros
// outside the image), VEC = 16, 8 or 4 bytes as C_per_group allows. The chunk table gives each
// chunk of VEC k its channel offset and tap offset (dy, dx; dy = 1 << 28 marks the padding
// past K). STAGES shared-memory buffers form the cp.async pipeline (dynamic shared memory).
//
// Without split-K the epilogue stages each warp row's accumulators transposed through shared
// memory ([pixel][channel]) and writes 8 channels of one pixel per thread: the output and the
// residual are [N, OH, OW, M], so pixel n's channels start at n * M. With split-K (SPLITS in
// gridDim.z / groups) every split writes its int32 partial sums to [split][npix][M] and
// qconv_nhwc_reduce applies the epilogue.
#define BK 64
#define SROW (BK + 16)
#define CHUNKS_PER_ROW (BK / VEC)
#define A_VECS (BM * BK / 16 / NTHREADS)
#define B_CHUNKS (BN * CHUNKS_PER_ROW / NTHREADS)
#define STAGE_BYTES ((BM + BN) * SROW)
#define CST_PITCH (WTM + 4)

#if VEC == 16
#define CP_ASYNC_B "cp.async.cg.shared.global [%0], [%1], 16, %2;\n"
#elif VEC == 8
#define CP_ASYNC_B "cp.async.ca.shared.global [%0], [%1], 8, %2;\n"
#else
#define CP_ASYNC_B "cp.async.ca.shared.global [%0], [%1], 4, %2;\n"
#endif

__device__ __forceinline__ void mma16832(int* c, const u32* a, const u32* b)
{
    asm volatile("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// The epilogue of 8 consecutive output channels co .. co + 7 of pixel n (count of them valid),
// from float accumulators: per-channel scale, bias, FusedConv epilogue, int8 or storage store.
__device__ __forceinline__ void store8(const float* acc, int n, int co, int count, const float* __restrict__ w_scale,
    const float* __restrict__ bias, const void* __restrict__ residual, void* __restrict__ y, const QConvParams& q)
{
    const ConvParams& p = q.conv;
    const size_t o = (size_t)n * p.m + co;
    const bool vec = count == 8 && ((p.m | co) & 7) == 0;
    float r[8];
#pragma unroll
    for (int e = 0; e < 8; e++) r[e] = 0.f;
    if (p.has_residual)
    {
        if (vec && q.residual_int8)
        {
            uint2 u = *(const uint2*)((const signed char*)residual + o);
            const signed char* b = (const signed char*)&u;
#pragma unroll
            for (int e = 0; e < 8; e++) r[e] = b[e] * q.residual_scale;
        }
        else if (vec && sizeof(T) == 2)
        {
            uint4 u = *(const uint4*)((const T*)residual + o);
            const T* h = (const T*)&u;
#pragma unroll
            for (int e = 0; e < 8; e++) r[e] = load_f(h[e]);
        }
        else
            for (int e = 0; e < count; e++)
                r[e] = q.residual_int8 ? ((const signed char*)residual)[o + e] * q.residual_scale : load_f(((const T*)residual)[o + e]);
    }
    float v[8];
#pragma unroll
    for (int e = 0; e < 8; e++)
    {
        int c = e < count ? co + e : co;
        v[e] = epilogue(acc[e] * (q.x_scale * w_scale[c]) + bias[c], p.ep, p.has_residual != 0, r[e]);
    }
    if (q.out_int8)
    {
        if (vec)
        {
            uint2 u;
            signed char* b = (signed char*)&u;
#pragma unroll
            for (int e = 0; e < 8; e++) b[e] = requantize(v[e], q.inv_y_scale);
            *(uint2*)((signed char*)y + o) = u;
        }
        else
            for (int e = 0; e < count; e++) ((signed char*)y)[o + e] = requantize(v[e], q.inv_y_scale);
    }
    else if (vec && sizeof(T) == 2)
    {
        uint4 u;
        T* h = (T*)&u;
#pragma unroll
        for (int e = 0; e < 8; e++) store_f(&h[e], v[e]);
        *(uint4*)((T*)y + o) = u;
    }
    else
        for (int e = 0; e < count; e++) store_f(&((T*)y)[o + e], v[e]);
}

extern "C" __global__ void __launch_bounds__(NTHREADS) qconv_nhwc(
    const signed char* __restrict__ x, const signed char* __restrict__ wt, const float* __restrict__ w_scale, const float* __restrict__ bias,
    const int4* __restrict__ chunks, const void* __restrict__ residual, void* __restrict__ y, int* __restrict__ partial, QConvParams q)
{
    const ConvParams& p = q.conv;
    extern __shared__ __align__(16) unsigned char smem[];
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int warp_m = warp / WARPS_N, warp_n = warp % WARPS_N;
    const int n0 = blockIdx.x * BN, m0 = blockIdx.y * BM;
    const int group = blockIdx.z / p.splits, split = blockIdx.z - group * p.splits;
    const signed char* wg = wt + (size_t)group * p.mpad * p.kpad;
    const int ohw = p.oh * p.ow;

    // B: this thread copies chunk column kc of pixel rows brow0, brow0 + rowstep, ...
    const int kc = tid % CHUNKS_PER_ROW, brow0 = tid / CHUNKS_PER_ROW, rowstep = NTHREADS / CHUNKS_PER_ROW;
    int iy0[B_CHUNKS], ix0[B_CHUNKS];
    const signed char* xrow[B_CHUNKS];
#pragma unroll
    for (int j = 0; j < B_CHUNKS; j++)
    {
        int n = n0 + brow0 + j * rowstep;
        bool valid = n < p.npix;
        int img = valid ? n / ohw : 0, pix = valid ? n - img * ohw : 0;
        int oy = pix / p.ow, ox = pix - oy * p.ow;
        iy0[j] = valid ? oy * p.stride_h - p.pad_h : -(1 << 29);
        ix0[j] = ox * p.stride_w - p.pad_w;
        xrow[j] = x + (size_t)img * p.h * p.w * p.c + (size_t)group * p.c_per_group;
    }

    int acc[MT][NT][4];
#pragma unroll
    for (int i = 0; i < MT; i++)
#pragma unroll
        for (int j = 0; j < NT; j++)
#pragma unroll
            for (int r = 0; r < 4; r++) acc[i][j][r] = 0;

    const int ktiles_all = p.kpad / BK;
    const int per_split = (ktiles_all + p.splits - 1) / p.splits;
    const int kt_begin = split * per_split;
    const int kt_end = min(ktiles_all, kt_begin + per_split);
    const int ktiles = max(0, kt_end - kt_begin);

#define AS(s) (smem + (s) * STAGE_BYTES)
#define BS(s) (smem + (s) * STAGE_BYTES + BM * SROW)
#define LOAD_TILE(kt, s)                                                                                \
    {                                                                                                   \
        unsigned char* as_ = AS(s);                                                                     \
        unsigned char* bs_ = BS(s);                                                                     \
        _Pragma("unroll") for (int j = 0; j < A_VECS; j++)                                              \
        {                                                                                               \
            int v = tid + j * NTHREADS, row = v >> 2, col = (v & 3) * 16;                              \
            cp_async16(as_ + row * SROW + col, wg + (size_t)(m0 + row) * p.kpad + (kt) * BK + col);     \
        }                                                                                               \
        int4 e = chunks[(kt) * CHUNKS_PER_ROW + kc];                                                    \
        _Pragma("unroll") for (int j = 0; j < B_CHUNKS; j++)                                            \
        {                                                                                               \
            int iy = iy0[j] + e.y, ix = ix0[j] + e.z;                                                   \
            bool ok = (unsigned)iy < (unsigned)p.h && (unsigned)ix < (unsigned)p.w;                     \
            const signed char* src = ok ? xrow[j] + ((size_t)iy * p.w + ix) * p.c + e.x : x;            \
            asm volatile(CP_ASYNC_B :: "r"(smem_address(bs_ + (brow0 + j * rowstep) * SROW + kc * VEC)), \
                "l"(src), "r"(ok ? VEC : 0));                                                           \
        }                                                                                               \
    }

#pragma unroll
    for (int s = 0; s < STAGES - 1; s++)
    {
        if (s < ktiles) LOAD_TILE(kt_begin + s, s)
        asm volatile("cp.async.commit_group;\n" ::);
    }
    for (int t = 0; t < ktiles; t++)
    {
        asm volatile("cp.async.wait_group %0;\n" :: "n"(STAGES - 2));
        __syncthreads();
        {
            int next = t + STAGES - 1;
            if (next < ktiles) LOAD_TILE(kt_begin + next, next % STAGES)
            asm volatile("cp.async.commit_group;\n" ::);
        }
        const unsigned char* as = AS(t % STAGES);
        const unsigned char* bs = BS(t % STAGES);
#pragma unroll
        for (int ks = 0; ks < BK; ks += 32)
        {
            u32 af[MT][4], bf[NT][2];
#pragma unroll
            for (int i = 0; i < MT; i++)
                ldmatrix_x4(af[i], as + (warp_m * WTM + i * 16 + (lane & 15)) * SROW + ks + (lane >> 4) * 16);
#pragma unroll
            for (int j = 0; j < NT; j += 2)
            {
                u32 r[4];
                ldmatrix_x4(r, bs + (warp_n * WTN + j * 8 + (lane & 7) + (lane >> 4) * 8) * SROW + ks + ((lane >> 3) & 1) * 16);
                bf[j][0] = r[0]; bf[j][1] = r[1]; bf[j + 1][0] = r[2]; bf[j + 1][1] = r[3];
            }
#pragma unroll
            for (int i = 0; i < MT; i++)
#pragma unroll
                for (int j = 0; j < NT; j++) mma16832(acc[i][j], af[i], bf[j]);
        }
    }
    asm volatile("cp.async.wait_all;\n" ::);

    if (p.splits > 1)
    {
        // Partial sums, [split][npix][M]; qconv_nhwc_reduce finishes.
        int* part = partial + (size_t)split * p.npix * p.m;
#pragma unroll
        for (int i = 0; i < MT; i++)
#pragma unroll
            for (int j = 0; j < NT; j++)
#pragma unroll
                for (int h = 0; h < 2; h++)
                {
                    int mloc = m0 + warp_m * WTM + i * 16 + (lane >> 2) + h * 8;
                    int n = n0 + warp_n * WTN + j * 8 + (lane & 3) * 2;
                    if (mloc >= p.m_per_group) continue;
                    int co = group * p.m_per_group + mloc;
                    if (n < p.npix) part[(size_t)n * p.m + co] = acc[i][j][h * 2];
                    if (n + 1 < p.npix) part[(size_t)(n + 1) * p.m + co] = acc[i][j][h * 2 + 1];
                }
        return;
    }

    // Stage one warp row at a time as cs[pixel][channel] (pitch WTM + 4: conflict-free writes).
    float* cs = reinterpret_cast<float*>(smem);
    for (int wm = 0; wm < WARPS_M; wm++)
    {
        __syncthreads();
        if (warp_m == wm)
        {
#pragma unroll
            for (int i = 0; i < MT; i++)
#pragma unroll
                for (int j = 0; j < NT; j++)
                {
                    int row = i * 16 + (lane >> 2), col = warp_n * WTN + j * 8 + (lane & 3) * 2;
                    cs[col * CST_PITCH + row] = (float)acc[i][j][0];
                    cs[(col + 1) * CST_PITCH + row] = (float)acc[i][j][1];
                    cs[col * CST_PITCH + row + 8] = (float)acc[i][j][2];
                    cs[(col + 1) * CST_PITCH + row + 8] = (float)acc[i][j][3];
                }
        }
        __syncthreads();
        for (int u = tid; u < BN * (WTM / 8); u += NTHREADS)
        {
            int nloc = u / (WTM / 8), c8 = (u % (WTM / 8)) * 8;
            int n = n0 + nloc, mloc = m0 + wm * WTM + c8;
            if (n >= p.npix || mloc >= p.m_per_group) continue;
            int count = min(8, p.m_per_group - mloc);
            store8(&cs[nloc * CST_PITCH + c8], n, group * p.m_per_group + mloc, count, w_scale, bias, residual, y, q);
        }
    }
}

// Split-K's second step: sums the int32 partials of every split and applies the epilogue, 8
// channels of one pixel per thread.
extern "C" __global__ void qconv_nhwc_reduce(const int* __restrict__ partial, const float* __restrict__ w_scale, const float* __restrict__ bias,
    const void* __restrict__ residual, void* __restrict__ y, QConvParams q)
{
    const ConvParams& p = q.conv;
    const int blocks_per_pixel = (p.m + 7) / 8;
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)p.npix * blocks_per_pixel) return;
    int n = (int)(i / blocks_per_pixel), co = (int)(i - (long long)n * blocks_per_pixel) * 8;
    int count = min(8, p.m - co);
    // Eight channels may cross a group boundary only when m_per_group is not a multiple of 8;
    // each channel's sum is independent of its group, so that does not matter here.
    float acc[8];
    const size_t plane = (size_t)p.npix * p.m, o = (size_t)n * p.m + co;
    for (int e = 0; e < 8; e++)
    {
        int s = 0;
        if (e < count)
            for (int k = 0; k < p.splits; k++) s += partial[k * plane + o + e];
        acc[e] = (float)s;
    }
    store8(acc, n, co, count, w_scale, bias, residual, y, q);
}
