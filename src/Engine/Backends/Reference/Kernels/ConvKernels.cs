using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>
/// Direct convolution and transposed convolution over N x C x spatial tensors (1-D, 2-D and
/// 3-D windows are handled by treating missing spatial axes as size 1). Each output channel is
/// computed independently, so the parallel loop over channels gives deterministic results.
/// </summary>
internal static class ConvKernels
{
    /// <summary>An N x C x D x H x W view of a 3-, 4- or 5-D shape.</summary>
    private static int[] As5D(int[] shape) => shape.Length switch
    {
        3 => [shape[0], shape[1], 1, 1, shape[2]],
        4 => [shape[0], shape[1], 1, shape[2], shape[3]],
        5 => shape,
        _ => throw new ArgumentException("convolution needs a 3-, 4- or 5-D tensor"),
    };

    /// <summary>Batch, channels and the three spatial sizes of input and output, as 5-D (N, C, D, H, W).</summary>
    private static (int N, int Cin, int Id, int Ih, int Iw, int Cout, int Od, int Oh, int Ow) Sizes(int[] input, int[] output)
    {
        var (xs, os) = (As5D(input), As5D(output));
        return (xs[0], xs[1], xs[2], xs[3], xs[4], os[1], os[2], os[3], os[4]);
    }

    /// <summary>Window attributes padded to three spatial axes (leading axes get kernel 1), with the given begin pads.</summary>
    private static (int[] K, int[] S, int[] D, int[] P) Window3(WindowAttributes w, int[] padBegin)
    {
        int lead = 3 - w.SpatialRank;
        int[] k = new int[3], s = new int[3], d = new int[3], p = new int[3];
        for (int i = 0; i < 3; i++)
        {
            int a = i - lead;
            k[i] = a < 0 ? 1 : w.Kernel[a];
            s[i] = a < 0 ? 1 : w.Strides[a];
            d[i] = a < 0 ? 1 : w.Dilations[a];
            p[i] = a < 0 ? 0 : padBegin[a];
        }
        return (k, s, d, p);
    }

    /// <summary>Input, weights, optional bias, group and spatial rank, checked for a 1- to 3-D window.</summary>
    private static (Tensor X, Tensor W, Tensor? Bias, int Group, int Spatial) Operands(Node node, Tensor?[] inputs, string what)
    {
        var x = node.Required(inputs, 0);
        var w = node.Required(inputs, 1);
        if (x.Rank < 3 || x.Rank > 5 || w.Rank != x.Rank)
            throw node.Fail($"input {x.ShapeText()} and weights {w.ShapeText()} do not fit {what}");
        return (x, w, KernelArgs.Optional(inputs, 2), (int)node.GetInt("group", 1), x.Rank - 2);
    }

    public static Tensor[] Conv(Node node, Tensor?[] inputs)
    {
        var (x, w, bias, group, spatial) = Operands(node, inputs, "a convolution");
        var window = WindowAttributes.Parse(node, spatial, w.Shape[2..]);
        if (x.Shape[1] != w.Shape[1] * group)
            throw node.Fail($"input has {x.Shape[1]} channels but weights {w.ShapeText()} with group {group} expect {w.Shape[1] * group}");
        var outShape = new int[x.Rank];
        outShape[0] = x.Shape[0];
        outShape[1] = w.Shape[0];
        for (int i = 0; i < spatial; i++) outShape[i + 2] = window.OutputSize(i, x.Shape[i + 2]);

        var (k, s, d, p) = Window3(window, Enumerable.Range(0, spatial).Select(a => window.ResolvePads(a, x.Shape[a + 2]).Begin).ToArray());
        var (src, weights, b) = (node.FloatsOf(x), node.FloatsOf(w), bias is null ? null : node.FloatsOf(bias));
        var (n, cin, id, ih, iw, cout, od, oh, ow) = Sizes(x.Shape, outShape);
        int cinPerGroup = cin / group, coutPerGroup = cout / group;
        int kernelVolume = k[0] * k[1] * k[2];
        int inPlane = id * ih * iw, outPlane = od * oh * ow;
        var dst = new float[n * cout * outPlane];

        Parallel.For(0, n * cout, job =>
        {
            int batch = job / cout, oc = job % cout, g = oc / coutPerGroup;
            var acc = dst.AsSpan(job * outPlane, outPlane);
            if (b is not null) acc.Fill(b[oc]);
            for (int icg = 0; icg < cinPerGroup; icg++)
            {
                int ic = g * cinPerGroup + icg;
                var plane = src.AsSpan((batch * cin + ic) * inPlane, inPlane);
                int wBase = (oc * cinPerGroup + icg) * kernelVolume;
                for (int kd = 0; kd < k[0]; kd++)
                for (int kh = 0; kh < k[1]; kh++)
                for (int kw = 0; kw < k[2]; kw++)
                {
                    float wv = weights[wBase + (kd * k[1] + kh) * k[2] + kw];
                    // Output columns whose input column lies inside the image.
                    int offW = kw * d[2] - p[2];
                    int owStart = offW >= 0 ? 0 : (-offW + s[2] - 1) / s[2];
                    int owEnd = Math.Min(ow, (iw - 1 - offW) / s[2] + 1);
                    if (iw - 1 - offW < 0 || owStart >= owEnd) continue;
                    for (int z = 0; z < od; z++)
                    {
                        int iz = z * s[0] + kd * d[0] - p[0];
                        if ((uint)iz >= (uint)id) continue;
                        for (int y = 0; y < oh; y++)
                        {
                            int iy = y * s[1] + kh * d[1] - p[1];
                            if ((uint)iy >= (uint)ih) continue;
                            var row = plane.Slice((iz * ih + iy) * iw);
                            var outRow = acc.Slice((z * oh + y) * ow);
                            if (s[2] == 1)
                            {
                                int count = owEnd - owStart;
                                var inSeg = row.Slice(owStart + offW, count);
                                var outSeg = outRow.Slice(owStart, count);
                                TensorPrimitives.MultiplyAdd(inSeg, wv, outSeg, outSeg);
                            }
                            else
                            {
                                for (int xo = owStart; xo < owEnd; xo++) outRow[xo] += wv * row[xo * s[2] + offW];
                            }
                        }
                    }
                }
            }
        });
        return [new Tensor(DataType.Float32, outShape, dst)];
    }

    public static Tensor[] ConvTranspose(Node node, Tensor?[] inputs)
    {
        var (x, w, bias, group, spatial) = Operands(node, inputs, "a transposed convolution");
        if (x.Shape[1] != w.Shape[0]) throw node.Fail($"input has {x.Shape[1]} channels but weights {w.ShapeText()} expect {w.Shape[0]}");
        var window = WindowAttributes.Parse(node, spatial, w.Shape[2..]);
        var outputPadding = node.GetInts("output_padding") ?? new long[spatial];
        var outputShapeAttr = node.GetInts("output_shape");
        var outShape = new int[x.Rank];
        outShape[0] = x.Shape[0];
        outShape[1] = w.Shape[1] * group;
        var padBegin = new int[spatial];
        for (int i = 0; i < spatial; i++)
        {
            int stride = window.Strides[i], eff = window.EffectiveKernel(i);
            int natural = stride * (x.Shape[i + 2] - 1) + (int)outputPadding[i] + eff;
            if (outputShapeAttr is { Length: > 0 } || window.AutoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                int target = outputShapeAttr is { Length: > 0 } ? (int)outputShapeAttr[^(spatial - i)] : x.Shape[i + 2] * stride;
                int total = Math.Max(0, natural - target);
                padBegin[i] = window.AutoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                outShape[i + 2] = target;
            }
            else
            {
                padBegin[i] = window.PadsBegin[i];
                outShape[i + 2] = natural - window.PadsBegin[i] - window.PadsEnd[i];
            }
        }

        var (k, s, d, p) = Window3(window, padBegin);
        var (src, weights, b) = (node.FloatsOf(x), node.FloatsOf(w), bias is null ? null : node.FloatsOf(bias));
        var (n, cin, id, ih, iw, cout, od, oh, ow) = Sizes(x.Shape, outShape);
        int cinPerGroup = cin / group, coutPerGroup = cout / group;
        int kernelVolume = k[0] * k[1] * k[2];
        int inPlane = id * ih * iw, outPlane = od * oh * ow;
        var dst = new float[n * cout * outPlane];

        // Scatter form: every input pixel adds its weighted kernel into the output.
        Parallel.For(0, n * cout, job =>
        {
            int batch = job / cout, oc = job % cout, g = oc / coutPerGroup, ocg = oc % coutPerGroup;
            var acc = dst.AsSpan(job * outPlane, outPlane);
            if (b is not null) acc.Fill(b[oc]);
            for (int icg = 0; icg < cinPerGroup; icg++)
            {
                int ic = g * cinPerGroup + icg;
                var plane = src.AsSpan((batch * cin + ic) * inPlane, inPlane);
                int wBase = (ic * coutPerGroup + ocg) * kernelVolume;
                for (int z = 0; z < id; z++)
                for (int y = 0; y < ih; y++)
                for (int xi = 0; xi < iw; xi++)
                {
                    float v = plane[(z * ih + y) * iw + xi];
                    for (int kd = 0; kd < k[0]; kd++)
                    {
                        int oz = z * s[0] + kd * d[0] - p[0];
                        if ((uint)oz >= (uint)od) continue;
                        for (int kh = 0; kh < k[1]; kh++)
                        {
                            int oy = y * s[1] + kh * d[1] - p[1];
                            if ((uint)oy >= (uint)oh) continue;
                            for (int kw = 0; kw < k[2]; kw++)
                            {
                                int ox = xi * s[2] + kw * d[2] - p[2];
                                if ((uint)ox >= (uint)ow) continue;
                                acc[(oz * oh + oy) * ow + ox] += v * weights[wBase + (kd * k[1] + kh) * k[2] + kw];
                            }
                        }
                    }
                }
            }
        });
        return [new Tensor(DataType.Float32, outShape, dst)];
    }
}
