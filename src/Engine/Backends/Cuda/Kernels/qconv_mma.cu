// INT8 implicit-GEMM convolution on tensor cores: mma.sync m16n8k32 s8 x s8 -> s32, exact
// int32 accumulation as QuantizedOps.QConv defines. Weights (A) are int8 [groups][MPAD][KPAD]
// with KPAD a multiple of 64; the input (B) is gathered from NCHW four k at a time and kept
// n-major in shared memory so plain ldmatrix yields the column-major fragments. The epilogue
// stages accumulators through shared memory and writes 8 pixels per thread (int8 or storage).
#define BK 64
#define SPAD 16
#define A_VECS (BM * BK / 16 / NTHREADS)
#define B_WORDS (BN * BK / 4 / NTHREADS)
#define AS_BYTES (2 * BM * (BK + SPAD))
#define BS_BYTES (2 * BN * (BK + SPAD))
#define SMEM_BYTES (AS_BYTES + BS_BYTES > CS_BYTES ? AS_BYTES + BS_BYTES : CS_BYTES)

__device__ __forceinline__ void mma16832(int* c, const u32* a, const u32* b)
{
    asm volatile("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

extern "C" __global__ void __launch_bounds__(NTHREADS) qconv_mma(
    const signed char* __restrict__ x, const signed char* __restrict__ wt, const float* __restrict__ w_scale, const float* __restrict__ bias,
    const int4* __restrict__ ktable, const void* __restrict__ residual, void* __restrict__ y, QConvParams q)
{
    const ConvParams& p = q.conv;
    __shared__ __align__(16) unsigned char smem[SMEM_BYTES];
    signed char (*As)[BM][BK + SPAD] = reinterpret_cast<signed char (*)[BM][BK + SPAD]>(smem);
    signed char (*Bs)[BN][BK + SPAD] = reinterpret_cast<signed char (*)[BN][BK + SPAD]>(smem + AS_BYTES);
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int warp_m = warp / WARPS_N, warp_n = warp % WARPS_N;
    const int n0 = blockIdx.x * BN, m0 = blockIdx.y * BM, group = blockIdx.z;
    const signed char* wg = wt + (size_t)group * p.mpad * p.kpad;
    const int hw = p.h * p.w, ohw = p.oh * p.ow;

    // B: thread takes pixel bn and k words bk0, bk0 + bkstep, ... (4 k per word).
    const int bn = tid % BN, bk0 = tid / BN, bkstep = NTHREADS / BN;
    const int n = n0 + bn;
    const bool nvalid = n < p.npix;
    const int img = nvalid ? n / ohw : 0, pix = nvalid ? n - img * ohw : 0;
    const int oy = pix / p.ow, ox = pix - oy * p.ow;
    const int iy0 = oy * p.stride_h - p.pad_h, ix0 = ox * p.stride_w - p.pad_w;
    const signed char* xb = x + ((size_t)img * p.c + (size_t)group * p.c_per_group) * hw;
    u32 breg[B_WORDS];

    int acc[MT][NT][4];
#pragma unroll
    for (int i = 0; i < MT; i++)
#pragma unroll
        for (int j = 0; j < NT; j++)
#pragma unroll
            for (int r = 0; r < 4; r++) acc[i][j][r] = 0;

    const int ktiles = p.kpad / BK;
#define QLOAD(kt, s)                                                                                    \
    {                                                                                                   \
        _Pragma("unroll") for (int j = 0; j < A_VECS; j++)                                              \
        {                                                                                               \
            int v = tid + j * NTHREADS, row = v >> 2, col = (v & 3) * 16;                              \
            cp_async16(&As[s][row][col], wg + (size_t)(m0 + row) * p.kpad + (kt) * BK + col);           \
        }                                                                                               \
        asm volatile("cp.async.commit_group;\n" ::);                                                   \
        _Pragma("unroll") for (int j = 0; j < B_WORDS; j++)                                             \
        {                                                                                               \
            int kw = bk0 + j * bkstep;                                                                  \
            u32 packed = 0;                                                                             \
            _Pragma("unroll") for (int b = 0; b < 4; b++)                                               \
            {                                                                                           \
                int4 e = ktable[(kt) * BK + kw * 4 + b];                                                \
                int iy = iy0 + e.y, ix = ix0 + e.z;                                                     \
                signed char v = (nvalid && (unsigned)iy < (unsigned)p.h && (unsigned)ix < (unsigned)p.w) ? xb[e.x + iy * p.w + ix] : 0; \
                packed |= (u32)(unsigned char)v << (8 * b);                                             \
            }                                                                                           \
            breg[j] = packed;                                                                           \
        }                                                                                               \
    }
#define QSTORE(s)                                                                                       \
    {                                                                                                   \
        _Pragma("unroll") for (int j = 0; j < B_WORDS; j++) *(u32*)&Bs[s][bn][(bk0 + j * bkstep) * 4] = breg[j]; \
        asm volatile("cp.async.wait_all;\n" ::);                                                       \
    }

    QLOAD(0, 0)
    QSTORE(0)
    __syncthreads();
    for (int kt = 0; kt < ktiles; kt++)
    {
        const int s = kt & 1;
        const bool more = kt + 1 < ktiles;
        if (more) QLOAD(kt + 1, s ^ 1)
#pragma unroll
        for (int ks = 0; ks < BK; ks += 32)
        {
            u32 af[MT][4], bf[NT][2];
#pragma unroll
            for (int i = 0; i < MT; i++)
                ldmatrix_x4(af[i], &As[s][warp_m * WTM + i * 16 + (lane & 15)][ks + (lane >> 4) * 16]);
#pragma unroll
            for (int j = 0; j < NT; j += 2)
            {
                u32 r[4];
                ldmatrix_x4(r, &Bs[s][warp_n * WTN + j * 8 + (lane & 7) + (lane >> 4) * 8][ks + ((lane >> 3) & 1) * 16]);
                bf[j][0] = r[0]; bf[j][1] = r[1]; bf[j + 1][0] = r[2]; bf[j + 1][1] = r[3];
            }
#pragma unroll
            for (int i = 0; i < MT; i++)
#pragma unroll
                for (int j = 0; j < NT; j++) mma16832(acc[i][j], af[i], bf[j]);
        }
        if (more) QSTORE(s ^ 1)
        __syncthreads();
    }

    float* cs = reinterpret_cast<float*>(smem);
    for (int wm = 0; wm < WARPS_M; wm++)
    {
        stage_warp_row(cs, acc, wm, warp_m, warp_n, lane);
        for (int u = tid; u < WTM * (BN / 8); u += NTHREADS)
        {
            int row = u / (BN / 8), c8 = (u % (BN / 8)) * 8;
            int mloc = m0 + wm * WTM + row, nn = n0 + c8;
            if (mloc >= p.m_per_group || nn >= p.npix) continue;
            int co = group * p.m_per_group + mloc;
            const float* v = &cs[row * CS_PITCH + c8];
            float scale = q.x_scale * w_scale[co], b = bias[co];
            for (int e = 0; e < 8 && nn + e < p.npix; e++)
            {
                int im = (nn + e) / ohw, px = nn + e - im * ohw;
                size_t o = ((size_t)im * p.m + co) * ohw + px;
                float r = 0.f;
                if (p.has_residual)
                    r = q.residual_int8 ? ((const signed char*)residual)[o] * q.residual_scale : load_f(((const T*)residual)[o]);
                float out = epilogue(v[e] * scale + b, p.ep, p.has_residual != 0, r);
                if (q.out_int8) ((signed char*)y)[o] = requantize(out, q.inv_y_scale);
                else store_f(&((T*)y)[o], out);
            }
        }
    }
}
