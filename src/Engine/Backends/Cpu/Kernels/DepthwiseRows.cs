using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// One output row of a depthwise convolution from the padded, phase-split plane: vectors of
/// consecutive output columns, the last one partial. A partial vector still loads whole
/// vectors (the buffer has <see cref="DepthwiseGeometry.Slack"/> floats past its end for
/// that) and stores only the columns that exist, so narrow planes (7 or 14 columns) need no
/// scalar tail. Rows of the window sum into separate accumulators to shorten the FMA chains.
/// </summary>
internal static unsafe class DepthwiseRows
{
    /// <summary>Eight all-ones then eight zeros: <c>Masks + 8 - n</c> enables the first n lanes of an AVX mask.</summary>
    private static readonly int* Masks = CreateMasks();

    private static int* CreateMasks()
    {
        var m = (int*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(16 * sizeof(int), 64);
        for (int i = 0; i < 16; i++) m[i] = i < 8 ? -1 : 0;
        return m;
    }

    /// <summary>
    /// Where a row's vector at <paramref name="y"/> goes: in place when a whole vector is left
    /// or <paramref name="spill"/> says the floats after the row are the next output row of
    /// this plane (its own stores overwrite them later), else into <paramref name="tail"/>,
    /// which <see cref="FinishRow"/> copies out after the loop. The loop itself calls nothing:
    /// a call there made the JIT reload every tap pointer and weight vector per iteration.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Destination(float* y, int left, bool spill, float* tail) =>
        left >= Vector<float>.Count || spill ? y : tail;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinishRow(float* row, int outW, bool spill, float* tail)
    {
        int rest = outW % Vector<float>.Count;
        if (spill || rest == 0) return;
        for (int i = 0; i < rest; i++) row[outW - rest + i] = tail[i];
    }

    /// <summary>
    /// Copies <paramref name="n"/> floats with vectors. With AVX the last vector is a masked
    /// load stored whole: it writes zeros up to a vector past dst + n, so the caller must own
    /// those floats (padding, or what it writes next).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopyZeroFilled(float* src, float* dst, int n)
    {
        int vw = Vector<float>.Count, i = 0;
        for (; i <= n - vw; i += vw) Vector.Store(Vector.Load(src + i), dst + i);
        if (i == n) return;
        if (vw == 8 && Avx.IsSupported) Avx.Store(dst + i, Avx.MaskLoad(src + i, Avx.LoadVector256(Masks + 8 - (n - i)).AsSingle()));
        else for (; i < n; i++) dst[i] = src[i];
    }

    // The row loops take output rows [oh0, oh1) of one plane; taps[t] is tap t's offset for
    // output row 0 (precomputed: TapOffset divides), and each output row moves RowStep on.
    // spillLast: the floats after the plane are the next plane, which the caller computes next.

    public static void Window3x3(in DepthwiseGeometry g, float* buf, nint* taps, float* w, int oh0, int oh1, float* y, bool spillLast)
    {
        float* tail = stackalloc float[Vector<float>.Count];
        Vector<float> w00 = new(w[0]), w01 = new(w[1]), w02 = new(w[2]);
        Vector<float> w10 = new(w[3]), w11 = new(w[4]), w12 = new(w[5]);
        Vector<float> w20 = new(w[6]), w21 = new(w[7]), w22 = new(w[8]);
        int vw = Vector<float>.Count, outW = g.OutW;
        for (int oh = oh0; oh < oh1; oh++)
        {
            // Per-row tap pointers indexed by the column: base + index addressing, nothing else live in the loop.
            float* b = buf + oh * g.RowStep;
            float* p00 = b + taps[0], p01 = b + taps[1], p02 = b + taps[2];
            float* p10 = b + taps[3], p11 = b + taps[4], p12 = b + taps[5];
            float* p20 = b + taps[6], p21 = b + taps[7], p22 = b + taps[8];
            float* row = y + oh * outW;
            bool spill = spillLast || oh < g.OutH - 1;
            for (int ow = 0; ow < outW; ow += vw)
            {
                var a0 = w00 * Vector.Load(p00 + ow);
                var a1 = w10 * Vector.Load(p10 + ow);
                var a2 = w20 * Vector.Load(p20 + ow);
                a0 = Vector.FusedMultiplyAdd(w01, Vector.Load(p01 + ow), a0);
                a1 = Vector.FusedMultiplyAdd(w11, Vector.Load(p11 + ow), a1);
                a2 = Vector.FusedMultiplyAdd(w21, Vector.Load(p21 + ow), a2);
                a0 = Vector.FusedMultiplyAdd(w02, Vector.Load(p02 + ow), a0);
                a1 = Vector.FusedMultiplyAdd(w12, Vector.Load(p12 + ow), a1);
                a2 = Vector.FusedMultiplyAdd(w22, Vector.Load(p22 + ow), a2);
                Vector.Store(a0 + a1 + a2, Destination(row + ow, outW - ow, spill, tail));
            }
            FinishRow(row, outW, spill, tail);
        }
    }

    public static void Window5x5(in DepthwiseGeometry g, float* buf, nint* taps, float* w, int oh0, int oh1, float* y, bool spillLast)
    {
        float* tail = stackalloc float[Vector<float>.Count];
        nint o0 = taps[0], o1 = taps[1], o2 = taps[2], o3 = taps[3], o4 = taps[4];
        nint rowStep = taps[5] - o0;
        int vw = Vector<float>.Count, outW = g.OutW;
        for (int oh = oh0; oh < oh1; oh++)
        {
            float* row = y + oh * outW;
            bool spill = spillLast || oh < g.OutH - 1;
            for (int ow = 0; ow < outW; ow += vw)
            {
                Vector<float> even = Vector<float>.Zero, odd = Vector<float>.Zero;
                float* r = buf + oh * g.RowStep + ow;
                float* wk = w;
                for (int kh = 0; kh < 5; kh++, r += rowStep, wk += 5)
                {
                    even = Vector.FusedMultiplyAdd(new Vector<float>(wk[0]), Vector.Load(r + o0), even);
                    odd = Vector.FusedMultiplyAdd(new Vector<float>(wk[1]), Vector.Load(r + o1), odd);
                    even = Vector.FusedMultiplyAdd(new Vector<float>(wk[2]), Vector.Load(r + o2), even);
                    odd = Vector.FusedMultiplyAdd(new Vector<float>(wk[3]), Vector.Load(r + o3), odd);
                    even = Vector.FusedMultiplyAdd(new Vector<float>(wk[4]), Vector.Load(r + o4), even);
                }
                Vector.Store(even + odd, Destination(row + ow, outW - ow, spill, tail));
            }
            FinishRow(row, outW, spill, tail);
        }
    }

    /// <summary>Any window: one pass over the taps per vector of outputs.</summary>
    public static void Taps(in DepthwiseGeometry g, float* buf, nint* taps, float* w, int oh0, int oh1, float* y, bool spillLast)
    {
        float* tail = stackalloc float[Vector<float>.Count];
        int count = g.KH * g.KW, vw = Vector<float>.Count, outW = g.OutW;
        for (int oh = oh0; oh < oh1; oh++)
        {
            float* b = buf + oh * g.RowStep;
            float* row = y + oh * outW;
            bool spill = spillLast || oh < g.OutH - 1;
            for (int ow = 0; ow < outW; ow += vw)
            {
                var acc = Vector<float>.Zero;
                for (int t = 0; t < count; t++) acc = Vector.FusedMultiplyAdd(new Vector<float>(w[t]), Vector.Load(b + taps[t] + ow), acc);
                Vector.Store(acc, Destination(row + ow, outW - ow, spill, tail));
            }
            FinishRow(row, outW, spill, tail);
        }
    }

    /// <summary>The portable path: every output column by scalar arithmetic.</summary>
    public static void Scalar(in DepthwiseGeometry g, float* buf, nint* taps, float* w, int oh0, int oh1, float* y)
    {
        int count = g.KH * g.KW;
        for (int oh = oh0; oh < oh1; oh++)
        for (int ow = 0; ow < g.OutW; ow++)
        {
            float acc = 0f;
            float* b = buf + oh * g.RowStep + ow;
            for (int t = 0; t < count; t++) acc += w[t] * b[taps[t]];
            y[oh * g.OutW + ow] = acc;
        }
    }
}
