using System.Numerics;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// One output row of a depthwise convolution from the padded, phase-split plane: vectors of
/// consecutive output columns, then a scalar tail with the same taps. Rows of the window sum
/// into separate accumulators to shorten the FMA dependency chains.
/// </summary>
internal static unsafe class DepthwiseRows
{
    public static void Window3x3(in DepthwiseGeometry g, float* buf, float* w, int oh, float* y)
    {
        float* p00 = buf + g.TapOffset(oh, 0, 0), p01 = buf + g.TapOffset(oh, 0, 1), p02 = buf + g.TapOffset(oh, 0, 2);
        float* p10 = buf + g.TapOffset(oh, 1, 0), p11 = buf + g.TapOffset(oh, 1, 1), p12 = buf + g.TapOffset(oh, 1, 2);
        float* p20 = buf + g.TapOffset(oh, 2, 0), p21 = buf + g.TapOffset(oh, 2, 1), p22 = buf + g.TapOffset(oh, 2, 2);
        Vector<float> w00 = new(w[0]), w01 = new(w[1]), w02 = new(w[2]);
        Vector<float> w10 = new(w[3]), w11 = new(w[4]), w12 = new(w[5]);
        Vector<float> w20 = new(w[6]), w21 = new(w[7]), w22 = new(w[8]);
        int vw = Vector<float>.Count, ow = 0;
        for (; ow <= g.OutW - vw; ow += vw)
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
            Vector.Store(a0 + a1 + a2, y + ow);
        }
        if (ow < g.OutW) Tail(g, buf, w, oh, y, ow);
    }

    public static void Window5x5(in DepthwiseGeometry g, float* buf, float* w, int oh, float* y)
    {
        nint o0 = g.TapOffset(0, 0, 0), o1 = g.TapOffset(0, 0, 1), o2 = g.TapOffset(0, 0, 2), o3 = g.TapOffset(0, 0, 3), o4 = g.TapOffset(0, 0, 4);
        float* rows = buf + g.TapOffset(oh, 0, 0) - o0;
        nint rowStep = g.TapOffset(0, 1, 0) - o0;
        int vw = Vector<float>.Count, ow = 0;
        for (; ow <= g.OutW - vw; ow += vw)
        {
            Vector<float> even = Vector<float>.Zero, odd = Vector<float>.Zero;
            float* r = rows + ow;
            float* wk = w;
            for (int kh = 0; kh < 5; kh++, r += rowStep, wk += 5)
            {
                even = Vector.FusedMultiplyAdd(new Vector<float>(wk[0]), Vector.Load(r + o0), even);
                odd = Vector.FusedMultiplyAdd(new Vector<float>(wk[1]), Vector.Load(r + o1), odd);
                even = Vector.FusedMultiplyAdd(new Vector<float>(wk[2]), Vector.Load(r + o2), even);
                odd = Vector.FusedMultiplyAdd(new Vector<float>(wk[3]), Vector.Load(r + o3), odd);
                even = Vector.FusedMultiplyAdd(new Vector<float>(wk[4]), Vector.Load(r + o4), even);
            }
            Vector.Store(even + odd, y + ow);
        }
        if (ow < g.OutW) Tail(g, buf, w, oh, y, ow);
    }

    /// <summary>Any window: one pass over the taps per vector of outputs.</summary>
    public static void Taps(in DepthwiseGeometry g, float* buf, float* w, int oh, float* y)
    {
        int taps = g.KH * g.KW;
        nint* off = stackalloc nint[taps];
        for (int kh = 0; kh < g.KH; kh++)
        for (int kw = 0; kw < g.KW; kw++) off[kh * g.KW + kw] = g.TapOffset(oh, kh, kw);
        int vw = Vector<float>.Count, ow = 0;
        for (; ow <= g.OutW - vw; ow += vw)
        {
            var acc = Vector<float>.Zero;
            for (int t = 0; t < taps; t++) acc = Vector.FusedMultiplyAdd(new Vector<float>(w[t]), Vector.Load(buf + off[t] + ow), acc);
            Vector.Store(acc, y + ow);
        }
        if (ow < g.OutW) Tail(g, buf, w, oh, y, ow);
    }

    /// <summary>The portable path: every output column by scalar arithmetic.</summary>
    public static void Scalar(in DepthwiseGeometry g, float* buf, float* w, int oh, float* y) => Tail(g, buf, w, oh, y, 0);

    private static void Tail(in DepthwiseGeometry g, float* buf, float* w, int oh, float* y, int from)
    {
        for (int ow = from; ow < g.OutW; ow++)
        {
            float acc = 0f;
            for (int kh = 0; kh < g.KH; kh++)
            for (int kw = 0; kw < g.KW; kw++) acc += w[kh * g.KW + kw] * buf[g.TapOffset(oh, kh, kw) + ow];
            y[ow] = acc;
        }
    }
}
