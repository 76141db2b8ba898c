using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>MaxPool, AveragePool (ceil_mode, count_include_pad, dilations) and the global pools, on 2-D windows.</summary>
internal static class PoolKernels
{
    public static Tensor[] Pool(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        if (x.Rank != 4) throw node.Fail($"pooling supports N x C x H x W inputs, got {x.ShapeText()}");
        var w = WindowAttributes.Parse(node, 2, null);
        bool max = node.OpType == "MaxPool";
        bool includePad = node.GetInt("count_include_pad", 0) != 0;
        if (max && node.GetInt("storage_order", 0) != 0) throw node.Fail("storage_order 1 is not supported");
        int n = x.Shape[0], c = x.Shape[1], ih = x.Shape[2], iw = x.Shape[3];
        int oh = w.OutputSize(0, ih), ow = w.OutputSize(1, iw);
        int padTop = w.ResolvePads(0, ih).Begin, padLeft = w.ResolvePads(1, iw).Begin;
        int padBottom = w.ResolvePads(0, ih).End, padRight = w.ResolvePads(1, iw).End;
        var src = node.FloatsOf(x);
        var dst = new float[n * c * oh * ow];
        Parallel.For(0, n * c, plane =>
        {
            var input = src.AsSpan(plane * ih * iw, ih * iw);
            var output = dst.AsSpan(plane * oh * ow, oh * ow);
            for (int y = 0; y < oh; y++)
            for (int xo = 0; xo < ow; xo++)
            {
                float best = float.NegativeInfinity, sum = 0;
                int count = 0, padded = 0;
                for (int ky = 0; ky < w.Kernel[0]; ky++)
                {
                    int iy = y * w.Strides[0] + ky * w.Dilations[0] - padTop;
                    for (int kx = 0; kx < w.Kernel[1]; kx++)
                    {
                        int ix = xo * w.Strides[1] + kx * w.Dilations[1] - padLeft;
                        bool inside = (uint)iy < (uint)ih && (uint)ix < (uint)iw;
                        // count_include_pad counts the explicit padding but not the ceil_mode overhang.
                        if (iy < ih + padBottom && ix < iw + padRight) padded++;
                        if (!inside) continue;
                        float v = input[iy * iw + ix];
                        if (v > best || float.IsNaN(v)) best = v;
                        sum += v;
                        count++;
                    }
                }
                output[y * ow + xo] = max ? best : count == 0 ? 0 : sum / (includePad ? padded : count);
            }
        });
        return [new Tensor(DataType.Float32, [n, c, oh, ow], dst)];
    }

    public static Tensor[] GlobalPool(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        if (x.Rank < 3) throw node.Fail($"global pooling needs an N x C x spatial input, got {x.ShapeText()}");
        int planes = x.Shape[0] * x.Shape[1];
        int size = x.Length / Math.Max(1, planes);
        var src = node.FloatsOf(x);
        var dst = new float[planes];
        bool max = node.OpType == "GlobalMaxPool";
        for (int p = 0; p < planes; p++)
        {
            var plane = src.AsSpan(p * size, size);
            if (max)
            {
                float best = float.NegativeInfinity;
                foreach (float v in plane) best = MathF.Max(best, v);
                dst[p] = best;
            }
            else
            {
                double sum = 0;
                foreach (float v in plane) sum += v;
                dst[p] = (float)(sum / size);
            }
        }
        var shape = x.Shape.Select((d, i) => i < 2 ? d : 1).ToArray();
        return [new Tensor(DataType.Float32, shape, dst)];
    }
}
