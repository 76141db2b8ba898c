using System.Runtime.Intrinsics;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// 4 x 8 tile with plain Vector128 multiply and add: no fused multiply-add, no ISA checks, so
/// it gives correct results on every machine .NET runs on (accelerated by SSE or NEON).
/// </summary>
internal unsafe struct PortableMicroKernel : IMicroKernel
{
    public static int MR => 4;
    public static int NR => 8;

    public static void Run(int kc, float* a, float* b, nint ldb, float* c, nint ldc, bool accumulate)
    {
        Vector128<float> c00 = Vector128<float>.Zero, c01 = Vector128<float>.Zero;
        Vector128<float> c10 = Vector128<float>.Zero, c11 = Vector128<float>.Zero;
        Vector128<float> c20 = Vector128<float>.Zero, c21 = Vector128<float>.Zero;
        Vector128<float> c30 = Vector128<float>.Zero, c31 = Vector128<float>.Zero;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + 4);
            var a0 = Vector128.Create(a[0]);
            c00 += a0 * b0;
            c01 += a0 * b1;
            var a1 = Vector128.Create(a[1]);
            c10 += a1 * b0;
            c11 += a1 * b1;
            var a2 = Vector128.Create(a[2]);
            c20 += a2 * b0;
            c21 += a2 * b1;
            var a3 = Vector128.Create(a[3]);
            c30 += a3 * b0;
            c31 += a3 * b1;
            a += 4;
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
        }
        Vector128.Store(c00, c + 0 * ldc + 0);
        Vector128.Store(c01, c + 0 * ldc + 4);
        Vector128.Store(c10, c + 1 * ldc + 0);
        Vector128.Store(c11, c + 1 * ldc + 4);
        Vector128.Store(c20, c + 2 * ldc + 0);
        Vector128.Store(c21, c + 2 * ldc + 4);
        Vector128.Store(c30, c + 3 * ldc + 0);
        Vector128.Store(c31, c + 3 * ldc + 4);
    }
}
