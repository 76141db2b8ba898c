using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>
/// The definition of <see cref="QuantizedOps.QConv"/>: an exact int32 accumulation of int8 input
/// times int8 weights, scaled to float32, then the FusedConv epilogue and, for an int8 output,
/// requantization (round half to even, clamp to ±127). Written as plain loops so it is obviously
/// right; every INT8 backend kernel is tested against it.
/// </summary>
internal static class QuantizedKernels
{
    public static Tensor[] QConv(Node node, Tensor?[] inputs)
    {
        if (!QuantizedOps.IsNhwc(node)) return Nchw(node, inputs);
        // Channels-last is only a storage order: the same arithmetic on the NCHW views.
        int[] toNchw = [.. QuantizedOps.ToNchwPerm.Select(p => (int)p)], toNhwc = [.. QuantizedOps.ToNhwcPerm.Select(p => (int)p)];
        var nchw = (Tensor?[])inputs.Clone();
        if (nchw[QuantizedOps.X] is { Rank: 4 } x) nchw[QuantizedOps.X] = LayoutKernels.Permute(x, toNchw);
        if (KernelArgs.Optional(nchw, QuantizedOps.Residual) is { Rank: 4 } r) nchw[QuantizedOps.Residual] = LayoutKernels.Permute(r, toNchw);
        return [LayoutKernels.Permute(Nchw(node, nchw)[0], toNhwc)];
    }

    private static Tensor[] Nchw(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, QuantizedOps.X);
        var w = node.Required(inputs, QuantizedOps.W);
        if (x.Data is not sbyte[] xq || w.Data is not sbyte[] wq || x.Rank != 4 || w.Rank != 4)
            throw node.Fail("QConv takes 4-D int8 input and weights");
        float xScale = node.FloatsOf(node.Required(inputs, QuantizedOps.XScale))[0];
        var wScale = node.FloatsOf(node.Required(inputs, QuantizedOps.WScale));
        var bias = KernelArgs.Optional(inputs, QuantizedOps.Bias) is { } b ? node.FloatsOf(b) : null;
        var residual = KernelArgs.Optional(inputs, QuantizedOps.Residual);
        var yScale = KernelArgs.Optional(inputs, QuantizedOps.YScale) is { } ys ? node.FloatsOf(ys)[0] : (float?)null;
        float[]? res = residual is null ? null
            : residual.Data is sbyte[] rq ? Dequantize(rq, node.FloatsOf(node.Required(inputs, QuantizedOps.ResidualScale))[0])
            : node.FloatsOf(residual);

        int group = (int)node.GetInt("group", 1);
        var window = WindowAttributes.Parse(node, 2, w.Shape[2..]);
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], wd = x.Shape[3];
        int m = w.Shape[0], cg = w.Shape[1], kh = w.Shape[2], kw = w.Shape[3];
        if (c != cg * group) throw node.Fail($"input has {c} channels, weights expect {cg * group}");
        if (wScale.Length != m) throw node.Fail($"{wScale.Length} weight scales for {m} output channels");
        int oh = window.OutputSize(0, h), ow = window.OutputSize(1, wd);
        int pt = window.ResolvePads(0, h).Begin, pl = window.ResolvePads(1, wd).Begin;
        int sh = window.Strides[0], sw = window.Strides[1], dh = window.Dilations[0], dw = window.Dilations[1];
        int mg = m / group, plane = oh * ow;
        if (res is not null && res.Length != n * m * plane) throw node.Fail("the residual must have the output's shape");

        var activation = Activation.FromAttributes(node);
        bool activationFirst = node.GetInt("activation_first", 0) != 0;
        float postScale = node.GetFloat("post_scale", 1f), postShift = node.GetFloat("post_shift", 0f);
        float inverse = yScale is { } s ? 1f / s : 0f;
        var floats = yScale is null ? new float[n * m * plane] : null;
        var bytes = yScale is null ? null : new sbyte[n * m * plane];

        Parallel.For(0, n * m, job =>
        {
            int batch = job / m, oc = job % m, g = oc / mg;
            float scale = xScale * wScale[oc];
            for (int y = 0; y < oh; y++)
            for (int xo = 0; xo < ow; xo++)
            {
                int acc = 0;
                for (int ci = 0; ci < cg; ci++)
                {
                    int plane0 = (batch * c + g * cg + ci) * h * wd, w0 = ((oc * cg) + ci) * kh * kw;
                    for (int i = 0; i < kh; i++)
                    {
                        int iy = y * sh + i * dh - pt;
                        if ((uint)iy >= (uint)h) continue;
                        for (int j = 0; j < kw; j++)
                        {
                            int ix = xo * sw + j * dw - pl;
                            if ((uint)ix < (uint)wd) acc += xq[plane0 + iy * wd + ix] * wq[w0 + i * kw + j];
                        }
                    }
                }
                int at = job * plane + y * ow + xo;
                float v = acc * scale + (bias is null ? 0f : bias[oc]);
                if (res is null) v = activation.Apply(v);
                else v = activationFirst ? activation.Apply(v) + res[at] : activation.Apply(v + res[at]);
                v = v * postScale + postShift;
                if (bytes is not null) bytes[at] = QuantizedOps.Quantize(v, inverse);
                else floats![at] = v;
            }
        });
        int[] shape = [n, m, oh, ow];
        return [bytes is not null ? new Tensor(DataType.Int8, shape, bytes) : new Tensor(DataType.Float32, shape, floats!)];
    }

    private static float[] Dequantize(sbyte[] q, float scale)
    {
        var f = new float[q.Length];
        for (int i = 0; i < q.Length; i++) f[i] = q[i] * scale;
        return f;
    }
}
