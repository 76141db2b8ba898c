using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// A 4 × 16 INT8 tile: c[r][j] = Σ_k a[r][k] · b[k][j] over <c>groups</c> groups of 4 k, with
/// a from an <see cref="Int8PackedWeights"/> panel and b from an <see cref="Int8Panels"/> tile
/// (unsigned, s8 + 128), row r stored at c + r·ldc. The raw sums include that +128; the caller subtracts the packed
/// weights' correction (0 for kernels that flip b back to signed). c is overwritten.
/// </summary>
internal interface IInt8MicroKernel
{
    static abstract unsafe void Run(byte* b, sbyte* a, int groups, int* c, int ldc);
}

/// <summary>Scalar loops over the packed layout; the definition the vector kernels are tested against.</summary>
internal struct PortableInt8MicroKernel : IInt8MicroKernel
{
    public static unsafe void Run(byte* b, sbyte* a, int groups, int* c, int ldc)
    {
        for (int r = 0; r < 4; r++)
        for (int j = 0; j < Int8Panels.NR; j++)
        {
            int sum = 0;
            for (int g = 0; g < groups; g++)
            for (int i = 0; i < 4; i++)
                sum += a[g * 16 + r * 4 + i] * b[g * 64 + j * 4 + i];
            c[r * ldc + j] = sum;
        }
    }
}

/// <summary>AVX2: vpmaddubsw (u8 × s7 pairs → s16, cannot saturate) then vpmaddwd by ones (→ s32); 8 accumulators.</summary>
internal struct Avx2Int8MicroKernel : IInt8MicroKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(byte* b, sbyte* a, int groups, int* c, int ldc)
    {
        var ones = Vector256.Create((short)1);
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        for (int g = 0; g < groups; g++, b += 64, a += 16)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 32);
            var a0 = Vector256.Create(*(int*)a).AsSByte();
            c00 = Avx2.Add(c00, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(b0, a0), ones));
            c01 = Avx2.Add(c01, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(b1, a0), ones));
            var a1 = Vector256.Create(*(int*)(a + 4)).AsSByte();
            c10 = Avx2.Add(c10, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(b0, a1), ones));
            c11 = Avx2.Add(c11, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(b1, a1), ones));
            var a2 = Vector256.Create(*(int*)(a + 8)).AsSByte();
            c20 = Avx2.Add(c20, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(b0, a2), ones));
            c21 = Avx2.Add(c21, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(b1, a2), ones));
            var a3 = Vector256.Create(*(int*)(a + 12)).AsSByte();
            c30 = Avx2.Add(c30, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(b0, a3), ones));
            c31 = Avx2.Add(c31, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(b1, a3), ones));
        }
        Avx.Store(c, c00); Avx.Store(c + 8, c01);
        Avx.Store(c + ldc, c10); Avx.Store(c + ldc + 8, c11);
        Avx.Store(c + 2 * ldc, c20); Avx.Store(c + 2 * ldc + 8, c21);
        Avx.Store(c + 3 * ldc, c30); Avx.Store(c + 3 * ldc + 8, c31);
    }
}

/// <summary>AVX-VNNI: one vpdpbusd per 8 columns × 4 k per row.</summary>
internal struct AvxVnniInt8MicroKernel : IInt8MicroKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(byte* b, sbyte* a, int groups, int* c, int ldc)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        for (int g = 0; g < groups; g++, b += 64, a += 16)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 32);
            var a0 = Vector256.Create(*(int*)a).AsSByte();
            c00 = AvxVnni.MultiplyWideningAndAdd(c00, b0, a0);
            c01 = AvxVnni.MultiplyWideningAndAdd(c01, b1, a0);
            var a1 = Vector256.Create(*(int*)(a + 4)).AsSByte();
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, b0, a1);
            c11 = AvxVnni.MultiplyWideningAndAdd(c11, b1, a1);
            var a2 = Vector256.Create(*(int*)(a + 8)).AsSByte();
            c20 = AvxVnni.MultiplyWideningAndAdd(c20, b0, a2);
            c21 = AvxVnni.MultiplyWideningAndAdd(c21, b1, a2);
            var a3 = Vector256.Create(*(int*)(a + 12)).AsSByte();
            c30 = AvxVnni.MultiplyWideningAndAdd(c30, b0, a3);
            c31 = AvxVnni.MultiplyWideningAndAdd(c31, b1, a3);
        }
        Avx.Store(c, c00); Avx.Store(c + 8, c01);
        Avx.Store(c + ldc, c10); Avx.Store(c + ldc + 8, c11);
        Avx.Store(c + 2 * ldc, c20); Avx.Store(c + 2 * ldc + 8, c21);
        Avx.Store(c + 3 * ldc, c30); Avx.Store(c + 3 * ldc + 8, c31);
    }
}

/// <summary>
/// ARM64 dot product: b flipped back to signed (one eor per 4 columns, shared by the 4 rows),
/// then sdot of 4 k per lane; 16 accumulators of the 32 registers. The weights' correction is 0.
/// </summary>
internal struct ArmDotInt8MicroKernel : IInt8MicroKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(byte* b, sbyte* a, int groups, int* c, int ldc)
    {
        var flip = Vector128.Create((byte)0x80);
        Vector128<int> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
        Vector128<int> c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
        for (int g = 0; g < groups; g++, b += 64, a += 16)
        {
            var b0 = (Vector128.Load(b) ^ flip).AsSByte();
            var b1 = (Vector128.Load(b + 16) ^ flip).AsSByte();
            var b2 = (Vector128.Load(b + 32) ^ flip).AsSByte();
            var b3 = (Vector128.Load(b + 48) ^ flip).AsSByte();
            var a0 = Vector128.Create(*(int*)a).AsSByte();
            c00 = Dp.DotProduct(c00, b0, a0); c01 = Dp.DotProduct(c01, b1, a0); c02 = Dp.DotProduct(c02, b2, a0); c03 = Dp.DotProduct(c03, b3, a0);
            var a1 = Vector128.Create(*(int*)(a + 4)).AsSByte();
            c10 = Dp.DotProduct(c10, b0, a1); c11 = Dp.DotProduct(c11, b1, a1); c12 = Dp.DotProduct(c12, b2, a1); c13 = Dp.DotProduct(c13, b3, a1);
            var a2 = Vector128.Create(*(int*)(a + 8)).AsSByte();
            c20 = Dp.DotProduct(c20, b0, a2); c21 = Dp.DotProduct(c21, b1, a2); c22 = Dp.DotProduct(c22, b2, a2); c23 = Dp.DotProduct(c23, b3, a2);
            var a3 = Vector128.Create(*(int*)(a + 12)).AsSByte();
            c30 = Dp.DotProduct(c30, b0, a3); c31 = Dp.DotProduct(c31, b1, a3); c32 = Dp.DotProduct(c32, b2, a3); c33 = Dp.DotProduct(c33, b3, a3);
        }
        c00.Store(c); c01.Store(c + 4); c02.Store(c + 8); c03.Store(c + 12);
        c += ldc; c10.Store(c); c11.Store(c + 4); c12.Store(c + 8); c13.Store(c + 12);
        c += ldc; c20.Store(c); c21.Store(c + 4); c22.Store(c + 8); c23.Store(c + 12);
        c += ldc; c30.Store(c); c31.Store(c + 4); c32.Store(c + 8); c33.Store(c + 12);
    }
}
