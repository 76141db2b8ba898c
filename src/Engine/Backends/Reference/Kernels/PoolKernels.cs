using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>MaxPool, AveragePool (ceil_mode, count_include_pad, dilations) and the global pools, on 1-D and 2-D windows.</summary>
internal static class PoolKernels
{
    public static Tensor[] Pool(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        if (x.Rank is not (3 or 4)) throw node.Fail($"pooling supports N x C x W and N x C x H x W inputs, got {x.ShapeText()}");
        int spatial = x.Rank - 2;
        var w = WindowAttributes.Parse(node, spatial, null);
        bool max = node.OpType == "MaxPool";
        bool includePad = node.GetInt("count_include_pad", 0) != 0;
        if (max && node.GetInt("storage_order", 0) != 0) throw node.Fail("storage_order 1 is not supported");

        // A 1-D pool is a 2-D pool over an image one row high: axis 0 below is H, axis 1 is W.
        int[] inSize = new int[2], outSize = new int[2], kernel = new int[2], stride = new int[2], dilation = new int[2];
        int[] padBegin = new int[2], padEnd = new int[2];
        for (int a = 0; a < 2; a++)
        {
            int wa = a - (2 - spatial); // the window attribute's axis, negative for the added row axis
            inSize[a] = wa < 0 ? 1 : x.Shape[2 + wa];
            outSize[a] = wa < 0 ? 1 : w.OutputSize(wa, inSize[a]);
            kernel[a] = wa < 0 ? 1 : w.Kernel[wa];
            stride[a] = wa < 0 ? 1 : w.Strides[wa];
            dilation[a] = wa < 0 ? 1 : w.Dilations[wa];
            (padBegin[a], padEnd[a]) = wa < 0 ? (0, 0) : w.ResolvePads(wa, inSize[a]);
        }
        int n = x.Shape[0], c = x.Shape[1], ih = inSize[0], iw = inSize[1], oh = outSize[0], ow = outSize[1];
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
                for (int ky = 0; ky < kernel[0]; ky++)
                {
                    int iy = y * stride[0] + ky * dilation[0] - padBegin[0];
                    for (int kx = 0; kx < kernel[1]; kx++)
                    {
                        int ix = xo * stride[1] + kx * dilation[1] - padBegin[1];
                        bool inside = (uint)iy < (uint)ih && (uint)ix < (uint)iw;
                        // count_include_pad counts the explicit padding but not the ceil_mode overhang.
                        if (iy < ih + padEnd[0] && ix < iw + padEnd[1]) padded++;
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
        int[] shape = spatial == 2 ? [n, c, oh, ow] : [n, c, ow];
        return [new Tensor(DataType.Float32, shape, dst)];
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
