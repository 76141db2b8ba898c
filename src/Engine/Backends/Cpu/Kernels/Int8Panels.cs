using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// Packs columns [n0, n0+nc) of the unrolled convolution matrix B [K x N] of one int8 NCHW image
/// (k = (c, kh, kw), n = (oh, ow)) into the INT8 micro-kernels' tiles: 16 columns × K/4 groups ×
/// 4 consecutive k, as unsigned bytes (s8 + 128, so a padding zero is 128). Rows past K and
/// columns past nc hold that zero. Each k row is first gathered into a staging row with the
/// im2col index arithmetic done once per run of columns, then four rows are interleaved.
/// </summary>
internal static unsafe class Int8Panels
{
    public const int NR = 16;

    /// <summary>Bytes of staging a call needs: four rows of <paramref name="nc"/> rounded up to a tile.</summary>
    public static int StagingBytes(int nc) => 4 * RoundUp(nc);

    public static int RoundUp(int nc) => (nc + NR - 1) / NR * NR;

    /// <param name="x">The image (this group's channels): [C, H, W].</param>
    /// <param name="dst">Tiles: tile t starts at <c>dst + t * paddedK * 16</c>.</param>
    public static void Pack(sbyte* x, in Int8ConvGeometry s, int k, int paddedK, int n0, int nc, byte* dst, sbyte* staging)
    {
        int padded = RoundUp(nc);
        int tileBytes = paddedK * NR;
        for (int k0 = 0; k0 < paddedK; k0 += 4)
        {
            for (int j = 0; j < 4; j++)
            {
                sbyte* row = staging + j * padded;
                if (k0 + j < k) GatherRow(x, s, k0 + j, n0, nc, row);
                else new Span<sbyte>(row, nc).Clear();
                new Span<sbyte>(row + nc, padded - nc).Clear();
            }
            for (int t = 0; t < padded / NR; t++)
                Interleave(staging + t * NR, padded, dst + (long)t * tileBytes + k0 * NR);
        }
    }

    /// <summary>Four staged rows of 16 bytes → 16 columns × 4 bytes, each flipped to unsigned.</summary>
    private static void Interleave(sbyte* rows, int stride, byte* dst)
    {
        if (Sse2.IsSupported)
        {
            var flip = Vector128.Create((byte)0x80);
            var r0 = Sse2.Xor(Sse2.LoadVector128((byte*)rows), flip);
            var r1 = Sse2.Xor(Sse2.LoadVector128((byte*)rows + stride), flip);
            var r2 = Sse2.Xor(Sse2.LoadVector128((byte*)rows + 2 * stride), flip);
            var r3 = Sse2.Xor(Sse2.LoadVector128((byte*)rows + 3 * stride), flip);
            var lo01 = Sse2.UnpackLow(r0, r1).AsInt16();
            var hi01 = Sse2.UnpackHigh(r0, r1).AsInt16();
            var lo23 = Sse2.UnpackLow(r2, r3).AsInt16();
            var hi23 = Sse2.UnpackHigh(r2, r3).AsInt16();
            Sse2.Store(dst, Sse2.UnpackLow(lo01, lo23).AsByte());
            Sse2.Store(dst + 16, Sse2.UnpackHigh(lo01, lo23).AsByte());
            Sse2.Store(dst + 32, Sse2.UnpackLow(hi01, hi23).AsByte());
            Sse2.Store(dst + 48, Sse2.UnpackHigh(hi01, hi23).AsByte());
            return;
        }
        for (int c = 0; c < NR; c++)
        for (int j = 0; j < 4; j++)
            dst[c * 4 + j] = (byte)(rows[j * stride + c] ^ 0x80);
    }

    /// <summary>Row k of B for columns [n0, n0+nc): the input values one kernel tap reads.</summary>
    private static void GatherRow(sbyte* x, in Int8ConvGeometry s, int k, int n0, int nc, sbyte* row)
    {
        int window = s.KH * s.KW;
        int c = k / window, r = k - c * window, kh = r / s.KW, kw = r - kh * s.KW;
        sbyte* plane = x + (nint)c * s.H * s.W;
        if (s.IsPointwise)
        {
            new ReadOnlySpan<sbyte>(plane + n0, nc).CopyTo(new Span<sbyte>(row, nc));
            return;
        }
        int colOffset = kw * s.DilationW - s.PadLeft;
        // Output columns whose input column lies inside the image: [owLo, owHi).
        int owLo = colOffset >= 0 ? 0 : (-colOffset + s.StrideW - 1) / s.StrideW;
        int owHi = s.W - 1 - colOffset < 0 ? 0 : Math.Min(s.OutW, (s.W - 1 - colOffset) / s.StrideW + 1);
        owLo = Math.Min(owLo, s.OutW);
        int n = n0, end = n0 + nc;
        sbyte* outp = row;
        while (n < end)
        {
            int oh = n / s.OutW, ow = n - oh * s.OutW;
            int segEnd = Math.Min(end, n + (s.OutW - ow));
            int owEnd = ow + (segEnd - n);
            int ih = oh * s.StrideH + kh * s.DilationH - s.PadTop;
            if ((uint)ih >= (uint)s.H || owHi <= owLo)
            {
                new Span<sbyte>(outp, segEnd - n).Clear();
            }
            else
            {
                int lo = Math.Clamp(owLo, ow, owEnd), hi = Math.Clamp(owHi, lo, owEnd);
                new Span<sbyte>(outp, lo - ow).Clear();
                sbyte* src = plane + (nint)ih * s.W + (nint)lo * s.StrideW + colOffset;
                sbyte* o = outp + (lo - ow);
                if (s.StrideW == 1) new ReadOnlySpan<sbyte>(src, hi - lo).CopyTo(new Span<sbyte>(o, hi - lo));
                else for (int i = 0; i < hi - lo; i++) o[i] = src[(nint)i * s.StrideW];
                new Span<sbyte>(o + (hi - lo), owEnd - hi).Clear();
            }
            outp += segEnd - n;
            n = segEnd;
        }
    }
}

/// <summary>The convolution sizes the INT8 workers read, as a plain struct they can reach through a pointer.</summary>
internal readonly struct Int8ConvGeometry(Conv2dShape s)
{
    public readonly int C = s.C, H = s.H, W = s.W, M = s.M, KH = s.KH, KW = s.KW, StrideH = s.StrideH, StrideW = s.StrideW;
    public readonly int PadTop = s.PadTop, PadLeft = s.PadLeft, DilationH = s.DilationH, DilationW = s.DilationW;
    public readonly int OutH = s.OutH, OutW = s.OutW, MPerGroup = s.MPerGroup, CPerGroup = s.CPerGroup;
    public readonly bool IsPointwise = s.IsPointwise;
}
