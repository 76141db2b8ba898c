using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// 8 x 8 tile for ARM64 NEON: 16 accumulators of the 32 q registers, A broadcast with a
/// load-replicate and AdvSimd.FusedMultiplyAdd (fmla). Off ARM64 the same tile runs through
/// Vector128's multiply-add so tests on x64 still check its indexing.
/// </summary>
internal unsafe struct AdvSimdMicroKernel : IMicroKernel
{
    public static int MR => 8;
    public static int NR => 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Fma(Vector128<float> acc, Vector128<float> x, Vector128<float> y) =>
        AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(acc, x, y) : Vector128.MultiplyAddEstimate(x, y, acc);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, nint ldb, float* c, nint ldc, bool accumulate)
    {
        Vector128<float> c00 = Vector128<float>.Zero, c01 = Vector128<float>.Zero;
        Vector128<float> c10 = Vector128<float>.Zero, c11 = Vector128<float>.Zero;
        Vector128<float> c20 = Vector128<float>.Zero, c21 = Vector128<float>.Zero;
        Vector128<float> c30 = Vector128<float>.Zero, c31 = Vector128<float>.Zero;
        Vector128<float> c40 = Vector128<float>.Zero, c41 = Vector128<float>.Zero;
        Vector128<float> c50 = Vector128<float>.Zero, c51 = Vector128<float>.Zero;
        Vector128<float> c60 = Vector128<float>.Zero, c61 = Vector128<float>.Zero;
        Vector128<float> c70 = Vector128<float>.Zero, c71 = Vector128<float>.Zero;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + 4);
            var a0 = Vector128.Create(a[0]);
            c00 = Fma(c00, a0, b0);
            c01 = Fma(c01, a0, b1);
            var a1 = Vector128.Create(a[1]);
            c10 = Fma(c10, a1, b0);
            c11 = Fma(c11, a1, b1);
            var a2 = Vector128.Create(a[2]);
            c20 = Fma(c20, a2, b0);
            c21 = Fma(c21, a2, b1);
            var a3 = Vector128.Create(a[3]);
            c30 = Fma(c30, a3, b0);
            c31 = Fma(c31, a3, b1);
            var a4 = Vector128.Create(a[4]);
            c40 = Fma(c40, a4, b0);
            c41 = Fma(c41, a4, b1);
            var a5 = Vector128.Create(a[5]);
            c50 = Fma(c50, a5, b0);
            c51 = Fma(c51, a5, b1);
            var a6 = Vector128.Create(a[6]);
            c60 = Fma(c60, a6, b0);
            c61 = Fma(c61, a6, b1);
            var a7 = Vector128.Create(a[7]);
            c70 = Fma(c70, a7, b0);
            c71 = Fma(c71, a7, b1);
            a += 8;
            b += ldb;
        }
        if (accumulate)
        {
            c00 += Vector128.Load(c + 0 * ldc + 0);
            c01 += Vector128.Load(c + 0 * ldc + 4);
            c10 += Vector128.Load(c + 1 * ldc + 0);
            c11 += Vector128.Load(c + 1 * ldc + 4);
            c20 += Vector128.Load(c + 2 * ldc + 0);
            c21 += Vector128.Load(c + 2 * ldc + 4);
            c30 += Vector128.Load(c + 3 * ldc + 0);
            c31 += Vector128.Load(c + 3 * ldc + 4);
            c40 += Vector128.Load(c + 4 * ldc + 0);
            c41 += Vector128.Load(c + 4 * ldc + 4);
            c50 += Vector128.Load(c + 5 * ldc + 0);
            c51 += Vector128.Load(c + 5 * ldc + 4);
            c60 += Vector128.Load(c + 6 * ldc + 0);
            c61 += Vector128.Load(c + 6 * ldc + 4);
            c70 += Vector128.Load(c + 7 * ldc + 0);
            c71 += Vector128.Load(c + 7 * ldc + 4);
        }
        Vector128.Store(c00, c + 0 * ldc + 0);
        Vector128.Store(c01, c + 0 * ldc + 4);
        Vector128.Store(c10, c + 1 * ldc + 0);
        Vector128.Store(c11, c + 1 * ldc + 4);
        Vector128.Store(c20, c + 2 * ldc + 0);
        Vector128.Store(c21, c + 2 * ldc + 4);
        Vector128.Store(c30, c + 3 * ldc + 0);
        Vector128.Store(c31, c + 3 * ldc + 4);
        Vector128.Store(c40, c + 4 * ldc + 0);
        Vector128.Store(c41, c + 4 * ldc + 4);
        Vector128.Store(c50, c + 5 * ldc + 0);
        Vector128.Store(c51, c + 5 * ldc + 4);
        Vector128.Store(c60, c + 6 * ldc + 0);
        Vector128.Store(c61, c + 6 * ldc + 4);
        Vector128.Store(c70, c + 7 * ldc + 0);
        Vector128.Store(c71, c + 7 * ldc + 4);
    }
}
