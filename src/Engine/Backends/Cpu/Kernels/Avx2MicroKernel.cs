using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// 6 x 16 tile for AVX2 + FMA: 12 accumulators, 2 B vectors and one broadcast A value use 15
/// of the 16 ymm registers, and each k step issues 12 FMAs against 8 loads, which keeps both
/// FMA pipes busy on Zen and Skylake-class cores.
/// </summary>
internal unsafe struct Avx2MicroKernel : IMicroKernel
{
    public static int MR => 6;
    public static int NR => 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, nint ldb, float* c, nint ldc, bool accumulate)
    {
        Vector256<float> c00 = Vector256<float>.Zero, c01 = Vector256<float>.Zero;
        Vector256<float> c10 = Vector256<float>.Zero, c11 = Vector256<float>.Zero;
        Vector256<float> c20 = Vector256<float>.Zero, c21 = Vector256<float>.Zero;
        Vector256<float> c30 = Vector256<float>.Zero, c31 = Vector256<float>.Zero;
        Vector256<float> c40 = Vector256<float>.Zero, c41 = Vector256<float>.Zero;
        Vector256<float> c50 = Vector256<float>.Zero, c51 = Vector256<float>.Zero;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(a0, b0, c00);
            c01 = Fma.MultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(a1, b0, c10);
            c11 = Fma.MultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(a2, b0, c20);
            c21 = Fma.MultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(a3, b0, c30);
            c31 = Fma.MultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(a4, b0, c40);
            c41 = Fma.MultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(a5, b0, c50);
            c51 = Fma.MultiplyAdd(a5, b1, c51);
            a += 6;
            b += ldb;
        }
        if (accumulate)
        {
            c00 = Avx.Add(c00, Avx.LoadVector256(c + 0 * ldc + 0));
            c01 = Avx.Add(c01, Avx.LoadVector256(c + 0 * ldc + 8));
            c10 = Avx.Add(c10, Avx.LoadVector256(c + 1 * ldc + 0));
            c11 = Avx.Add(c11, Avx.LoadVector256(c + 1 * ldc + 8));
            c20 = Avx.Add(c20, Avx.LoadVector256(c + 2 * ldc + 0));
            c21 = Avx.Add(c21, Avx.LoadVector256(c + 2 * ldc + 8));
            c30 = Avx.Add(c30, Avx.LoadVector256(c + 3 * ldc + 0));
            c31 = Avx.Add(c31, Avx.LoadVector256(c + 3 * ldc + 8));
            c40 = Avx.Add(c40, Avx.LoadVector256(c + 4 * ldc + 0));
            c41 = Avx.Add(c41, Avx.LoadVector256(c + 4 * ldc + 8));
            c50 = Avx.Add(c50, Avx.LoadVector256(c + 5 * ldc + 0));
            c51 = Avx.Add(c51, Avx.LoadVector256(c + 5 * ldc + 8));
        }
        Avx.Store(c + 0 * ldc + 0, c00);
        Avx.Store(c + 0 * ldc + 8, c01);
        Avx.Store(c + 1 * ldc + 0, c10);
        Avx.Store(c + 1 * ldc + 8, c11);
        Avx.Store(c + 2 * ldc + 0, c20);
        Avx.Store(c + 2 * ldc + 8, c21);
        Avx.Store(c + 3 * ldc + 0, c30);
        Avx.Store(c + 3 * ldc + 8, c31);
        Avx.Store(c + 4 * ldc + 0, c40);
        Avx.Store(c + 4 * ldc + 8, c41);
        Avx.Store(c + 5 * ldc + 0, c50);
        Avx.Store(c + 5 * ldc + 8, c51);
    }
}
