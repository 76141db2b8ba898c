// Shared by the tensor-core kernels (conv_mma, qconv_mma): the warp tiling implied by the
// module's BM, BN, WARPS_M, WARPS_N, the shared-memory and async-copy primitives, and the
// staging of one warp row's accumulators through shared memory for a coalesced epilogue.
#define NTHREADS (WARPS_M * WARPS_N * 32)
#define WTM (BM / WARPS_M)
#define WTN (BN / WARPS_N)
#define MT (WTM / 16)
#define NT (WTN / 8)
#define CS_PITCH (BN + 8)
#define CS_BYTES (WTM * CS_PITCH * 4)

__device__ __forceinline__ u32 smem_address(const void* p)
{
    u32 a;
    asm("{ .reg .u64 t; cvta.to.shared.u64 t, %1; cvt.u32.u64 %0, t; }" : "=r"(a) : "l"(p));
    return a;
}

// Four 8x8 16-bit matrices from shared memory; each lane names one row.
__device__ __forceinline__ void ldmatrix_x4(u32* r, const void* row)
{
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
        : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(smem_address(row)));
}

__device__ __forceinline__ void ldmatrix_x4_trans(u32* r, const void* row)
{
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
        : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(smem_address(row)));
}

__device__ __forceinline__ void cp_async16(void* shared, const void* global)
{
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" :: "r"(smem_address(shared)), "l"(global));
}

// 16 bytes, or zeros when the source is outside the tensor (src_bytes = 0).
__device__ __forceinline__ void cp_async16_zfill(void* shared, const void* global, bool valid)
{
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" :: "r"(smem_address(shared)), "l"(global), "r"(valid ? 16 : 0));
}

// Writes the accumulators of the warps in warp row wm to cs (WTM x BN floats, pitch CS_PITCH),
// between barriers so the caller may then read any of them.
template <typename A>
__device__ __forceinline__ void stage_warp_row(float* cs, const A (&acc)[MT][NT][4], int wm, int warp_m, int warp_n, int lane)
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
                *(float2*)&cs[row * CS_PITCH + col] = make_float2((float)acc[i][j][0], (float)acc[i][j][1]);
                *(float2*)&cs[(row + 8) * CS_PITCH + col] = make_float2((float)acc[i][j][2], (float)acc[i][j][3]);
            }
    }
    __syncthreads();
}
