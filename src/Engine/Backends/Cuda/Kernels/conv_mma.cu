// Implicit-GEMM convolution on tensor cores: mma.sync m16n8k16, FP16 inputs, FP32 accumulate.
// Weights are the GEMM's A (M x K, zero-padded to MPAD x KPAD so tiles need no bounds checks);
// the input is B, gathered from NCHW on the fly through a per-k table of (channel offset,
// window row, window column); the output tile lands in NCHW directly, so no layout transforms.
// Tile shape comes from the tactic: BM, BN, WARPS_M, WARPS_N; POINTWISE reads 8 pixels at once
// for 1x1 stride-1 convolutions over planes whose size is a multiple of 8.
#define BK 32
#define SPAD 8
#define A_VECS (BM * BK / 8 / NTHREADS)
#define AS_BYTES (2 * BM * (BK + SPAD) * 2)
#define BS_BYTES (2 * BK * (BN + SPAD) * 2)
#define SMEM_BYTES (AS_BYTES + BS_BYTES > CS_BYTES ? AS_BYTES + BS_BYTES : CS_BYTES)
#if POINTWISE
#define B_VECS (BN * BK / 8 / NTHREADS)
#else
#define B_ELEMS (BN * BK / NTHREADS)
#endif

__device__ __forceinline__ void mma16816(float* c, const u32* a, const u32* b)
{
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

extern "C" __global__ void __launch_bounds__(NTHREADS) conv_mma(
    const half_t* __restrict__ x, const half_t* __restrict__ wt, const float* __restrict__ bias, const int4* __restrict__ ktable,
    const half_t* __restrict__ residual, half_t* __restrict__ y, float* __restrict__ partial, ConvParams p)
{
    // A row-major (m, k); B k-major (k, n) so global rows land whole and ldmatrix.trans
    // produces the column-major fragments. Padding keeps ldmatrix rows in distinct banks.
    // The epilogue reuses the same memory to stage accumulators (CS_BYTES) so that output rows
    // leave in whole 16-byte pieces instead of scattered 2-byte stores.
    __shared__ __align__(16) unsigned char smem[SMEM_BYTES];
    half_t (*As)[BM][BK + SPAD] = reinterpret_cast<half_t (*)[BM][BK + SPAD]>(smem);
    half_t (*Bs)[BK][BN + SPAD] = reinterpret_cast<half_t (*)[BK][BN + SPAD]>(smem + AS_BYTES);
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int warp_m = warp / WARPS_N, warp_n = warp % WARPS_N;
    const int n0 = blockIdx.x * BN, m0 = blockIdx.y * BM;
    const int group = blockIdx.z % p.groups, split = blockIdx.z / p.groups;
    const int ktiles = p.kpad / BK;
    const int per_split = (ktiles + p.splits - 1) / p.splits;
    const int kt_begin = split * per_split, kt_end = min(ktiles, kt_begin + per_split);
    const half_t* wg = wt + (size_t)group * p.mpad * p.kpad;
    const int hw = p.h * p.w, ohw = p.oh * p.ow;

#if POINTWISE
    const int bv = tid % (BN / 8), bk0 = tid / (BN / 8), bkstep = NTHREADS / (BN / 8);
    const int nb = n0 + bv * 8;
    const bool nvalid = nb < p.npix;
    const int img = nvalid ? nb / ohw : 0;
    const half_t* xb = x + ((size_t)img * p.c + (size_t)group * p.c_per_group) * hw + (nb - img * ohw);
#else
    const int bn = tid % BN, bk0 = tid / BN, bkstep = NTHREADS / BN;
    const int n = n0 + bn;
    const bool nvalid = n < p.npix;
    const int img = nvalid ? n / ohw : 0, pix = nvalid ? n - img * ohw : 0;
    const int oy = pix / p.ow, ox = pix - oy * p.ow;
    const int iy0 = oy * p.stride_h - p.pad_h, ix0 = ox * p.stride_w - p.pad_w;
    const half_t* xb = x + ((size_t)img * p.c + (size_t)group * p.c_per_group) * hw;
    half_t breg[B_ELEMS];
#endif

    float acc[MT][NT][4];
#pragma unroll
    for (int i = 0; i < MT; i++)
#pragma unroll
        for (int j = 0; j < NT; j++)
#pragma unroll
            for (int r = 0; r < 4; r++) acc[i][j][r] = 0.f;

    if (kt_begin < kt_end)
    {
        // Global -> registers for k tile kt.
#define LOAD_TILE(kt, s)                                                                                \
        {                                                                                               \
            const int s_load = (s);                                                                     \
            _Pragma("unroll") for (int j = 0; j < A_VECS; j++)                                          \
            {                                                                                           \
                int v = tid + j * NTHREADS, row = v >> 2, col = (v & 3) * 8;                           \
                cp_async16(&As[s][row][col], wg + (size_t)(m0 + row) * p.kpad + (kt) * BK + col);       \
            }                                                                                           \
            asm volatile("cp.async.commit_group;\n" ::);                                               \
            LOAD_B(kt)                                                                                  \
        }
#if POINTWISE
        // 1x1 stride-1: eight consecutive pixels of one channel are one aligned 16-byte row piece,
        // copied straight into shared memory like the weights.
#define LOAD_B(kt)                                                                                      \
            _Pragma("unroll") for (int j = 0; j < B_VECS; j++)                                          \
            {                                                                                           \
                int k = (kt) * BK + bk0 + j * bkstep;                                                   \
                bool valid = nvalid && k < p.kdim;                                                      \
                cp_async16_zfill(&Bs[s_load][bk0 + j * bkstep][bv * 8], valid ? xb + (size_t)k * hw : xb, valid); \
            }                                                                                           \
            asm volatile("cp.async.commit_group;\n" ::);
#else
#define LOAD_B(kt)                                                                                      \
            _Pragma("unroll") for (int j = 0; j < B_ELEMS; j++)                                         \
            {                                                                                           \
                int4 e = ktable[(kt) * BK + bk0 + j * bkstep];                                          \
                int iy = iy0 + e.y, ix = ix0 + e.z;                                                     \
                breg[j] = (nvalid && (unsigned)iy < (unsigned)p.h && (unsigned)ix < (unsigned)p.w)      \
                    ? xb[e.x + iy * p.w + ix] : (half_t)0;                                              \
            }
#endif
        // Registers -> shared buffer s.
#define STORE_TILE(s)                                                                                   \
        {                                                                                               \
            STORE_B(s)                                                                                  \
            asm volatile("cp.async.wait_all;\n" ::);                                                   \
        }
#if POINTWISE
#define STORE_B(s)
#else
#define STORE_B(s)                                                                                      \
            _Pragma("unroll") for (int j = 0; j < B_ELEMS; j++) Bs[s][bk0 + j * bkstep][bn] = breg[j];
#endif

        LOAD_TILE(kt_begin, 0)
        STORE_TILE(0)
        __syncthreads();
        for (int kt = kt_begin; kt < kt_end; kt++)
        {
            const int s = (kt - kt_begin) & 1;
            const bool more = kt + 1 < kt_end;
            if (more) LOAD_TILE(kt + 1, s ^ 1)
#pragma unroll
            for (int ks = 0; ks < BK; ks += 16)
            {
                u32 af[MT][4], bf[NT][2];
#pragma unroll
                for (int i = 0; i < MT; i++)
                    ldmatrix_x4(af[i], &As[s][warp_m * WTM + i * 16 + (lane & 15)][ks + (lane >> 4) * 8]);
#pragma unroll
                for (int j = 0; j < NT; j += 2)
                {
                    u32 r[4];
                    ldmatrix_x4_trans(r, &Bs[s][ks + (lane & 15)][warp_n * WTN + j * 8 + (lane >> 4) * 8]);
                    bf[j][0] = r[0]; bf[j][1] = r[1]; bf[j + 1][0] = r[2]; bf[j + 1][1] = r[3];
                }
#pragma unroll
                for (int i = 0; i < MT; i++)
#pragma unroll
                    for (int j = 0; j < NT; j++) mma16816(acc[i][j], af[i], bf[j]);
            }
            if (more) STORE_TILE(s ^ 1)
            __syncthreads();
        }
    }

    // Epilogue, one warp row at a time: fragments -> shared (float), then each thread takes 8
    // consecutive pixels of one channel, so residual reads and output writes are 16-byte vectors.
    float* cs = reinterpret_cast<float*>(smem);
    const bool vector_ok = (ohw & 7) == 0;
    for (int wm = 0; wm < WARPS_M; wm++)
    {
        stage_warp_row(cs, acc, wm, warp_m, warp_n, lane);
        for (int u = tid; u < WTM * (BN / 8); u += NTHREADS)
        {
            int row = u / (BN / 8), c8 = (u % (BN / 8)) * 8;
            int mloc = m0 + wm * WTM + row, n = n0 + c8;
            if (mloc >= p.m_per_group || n >= p.npix) continue;
            int co = group * p.m_per_group + mloc;
            const float* v = &cs[row * CS_PITCH + c8];
            if (p.splits > 1)
            {
                float* dst = partial + ((size_t)split * p.m + co) * p.npix + n;
#pragma unroll
                for (int e = 0; e < 8; e++) if (n + e < p.npix) dst[e] = v[e];
                continue;
            }
            float b = bias[co];
            if (vector_ok)
            {
                int img = n / ohw, pix = n - img * ohw;
                size_t o = ((size_t)img * p.m + co) * ohw + pix;
                uint4 res = p.has_residual ? *(const uint4*)&residual[o] : make_uint4(0, 0, 0, 0);
                const half_t* rh = (const half_t*)&res;
                uint4 out;
                half_t* oh = (half_t*)&out;
#pragma unroll
                for (int e = 0; e < 8; e++) oh[e] = to_half(epilogue(v[e] + b, p.ep, p.has_residual != 0, load_f(rh[e])));
                *(uint4*)&y[o] = out;
            }
            else
            {
                for (int e = 0; e < 8 && n + e < p.npix; e++)
                {
                    int img = (n + e) / ohw, pix = n + e - img * ohw;
                    size_t o = ((size_t)img * p.m + co) * ohw + pix;
                    float r = p.has_residual ? load_f(residual[o]) : 0.f;
                    store_f(&y[o], epilogue(v[e] + b, p.ep, p.has_residual != 0, r));
                }
            }
        }
    }
}
