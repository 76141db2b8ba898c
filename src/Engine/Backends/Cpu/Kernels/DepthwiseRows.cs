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
    /// Stores the first <paramref name="left"/> lanes, or the whole vector when at least one is
    /// left or <paramref name="spill"/> says the floats after them are the next output row of
    /// this plane (its own stores overwrite them later; masked stores are slow on some cores).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector<float> v, float* y, int left, bool spill)
    {
        if (left >= Vector<float>.Count || spill) Vector.Store(v, y);
        else StorePartial(v, y, left);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StorePartial(Vector<float> v, float* y, int left)
    {
        float* t = stackalloc float[Vector<float>.Count];
        Vector.Store(v, t);
        for (int i = 0; i < left; i++) y[i] = t[i];
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
        Vector<float> w00 = new(w[0]), w01 = new(w[1]), w02 = new(w[2]);
        Vector<float> w10 = new(w[3]), w11 = new(w[4]), w12 = new(w[5]);
        Vector<float> w20 = new(w[6]), w21 = new(w[7]), w22 = new(w[8]);
        nint t00 = taps[0], t01 = taps[1], t02 = taps[2], t10 = taps[3], t11 = taps[4], t12 = taps[5], t20 = taps[6], t21 = taps[7], t22 = taps[8];
        int vw = Vector<float>.Count, outW = g.OutW;
        for (int oh = oh0; oh < oh1; oh++)
        {
            float* b = buf + oh * g.RowStep;
            float* row = y + oh * outW;
            bool spill = spillLast || oh < g.OutH - 1;
            for (int ow = 0; ow < outW; ow += vw)
            {
                float* p = b + ow;
                var a0 = w00 * Vector.Load(p + t00);
                var a1 = w10 * Vector.Load(p + t10);
                var a2 = w20 * Vector.Load(p + t20);
                a0 = Vector.FusedMultiplyAdd(w01, Vector.Load(p + t01), a0);
                a1 = Vector.FusedMultiplyAdd(w11, Vector.Load(p + t11), a1);
                a2 = Vector.FusedMultiplyAdd(w21, Vector.Load(p + t21), a2);
                a0 = Vector.FusedMultiplyAdd(w02, Vector.Load(p + t02), a0);
                a1 = Vector.FusedMultiplyAdd(w12, Vector.Load(p + t12), a1);
                a2 = Vector.FusedMultiplyAdd(w22, Vector.Load(p + t22), a2);
                Store(a0 + a1 + a2, row + ow, outW - ow, spill);
            }
        }
    }

    public static void Window5x5(in DepthwiseGeometry g, float* buf, nint* taps, float* w, int oh0, int oh1, float* y, bool spillLast)
    {
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
                Store(even + odd, row + ow, outW - ow, spill);
            }
        }
    }

    /// <summary>Any window: one pass over the taps per vector of outputs.</summary>
    public static void Taps(in DepthwiseGeometry g, float* buf, nint* taps, float* w, int oh0, int oh1, float* y, bool spillLast)
    {
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
                Store(acc, row + ow, outW - ow, spill);
            }
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
