using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>
/// Resize with nearest or (multi-)linear interpolation and the ONNX coordinate transformation
/// modes half_pixel, pytorch_half_pixel, align_corners, asymmetric and tf_half_pixel_for_nn.
/// Each axis is resolved independently to source indices and weights, then combined.
/// </summary>
internal static class ResizeKernel
{
    public static Tensor[] Resize(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var scalesTensor = KernelArgs.Optional(inputs, 2);
        var sizesTensor = KernelArgs.Optional(inputs, 3);
        string mode = node.GetString("mode", "nearest");
        string coordinates = node.GetString("coordinate_transformation_mode", "half_pixel");
        string nearest = node.GetString("nearest_mode", "round_prefer_floor");
        if (node.GetInt("antialias", 0) != 0) throw node.Fail("antialias is not supported");
        if (node.GetInts("axes") is { Length: > 0 }) throw node.Fail("the axes attribute is not supported");
        if (mode is not ("nearest" or "linear")) throw node.Fail($"mode '{mode}' is not supported (nearest and linear are)");

        var (outShape, scales) = ResolveOutput(node, x.Shape, scalesTensor, sizesTensor);

        if (mode == "nearest")
            return [Gathering.Take(x, outShape, Gathering.AxisMap(x.Shape, NearestMaps(node, x.Shape, outShape, scales)))];
        return [Linear(node, x, outShape, scales, coordinates)];
    }

    /// <summary>The output shape and per-axis scale from the sizes or scales input (shared with the CPU backend).</summary>
    internal static (int[] OutShape, double[] Scales) ResolveOutput(Node node, int[] inShape, Tensor? scalesTensor, Tensor? sizesTensor)
    {
        int rank = inShape.Length;
        var outShape = new int[rank];
        var scales = new double[rank];
        if (sizesTensor is { Length: > 0 })
        {
            var sizes = sizesTensor.ToLongs();
            if (sizes.Length != rank) throw node.Fail($"{sizes.Length} sizes for a rank-{rank} input");
            for (int i = 0; i < rank; i++)
            {
                outShape[i] = checked((int)sizes[i]);
                scales[i] = inShape[i] == 0 ? 1 : (double)sizes[i] / inShape[i];
            }
        }
        else if (scalesTensor is { Length: > 0 })
        {
            var given = scalesTensor.ToFloats();
            if (given.Length != rank) throw node.Fail($"{given.Length} scales for a rank-{rank} input");
            for (int i = 0; i < rank; i++)
            {
                if (given[i] <= 0) throw node.Fail($"scale {given[i]} must be positive");
                scales[i] = given[i];
                outShape[i] = (int)Math.Floor(inShape[i] * (double)given[i]);
            }
        }
        else throw node.Fail("needs scales or sizes");

        return (outShape, scales);
    }

    /// <summary>Per axis, the source index of each output index under nearest-neighbour resizing (shared with the CPU backend).</summary>
    internal static int[][] NearestMaps(Node node, int[] inShape, int[] outShape, double[] scales)
    {
        string coordinates = node.GetString("coordinate_transformation_mode", "half_pixel");
        string nearest = node.GetString("nearest_mode", "round_prefer_floor");
        var maps = new int[inShape.Length][];
        for (int a = 0; a < inShape.Length; a++)
            maps[a] = Enumerable.Range(0, outShape[a])
                .Select(o => NearestIndex(SourceCoordinate(o, scales[a], inShape[a], outShape[a], coordinates, node), inShape[a], nearest, scales[a], node))
                .ToArray();
        return maps;
    }

    private static double SourceCoordinate(int o, double scale, int inSize, int outSize, string mode, Node node) => mode switch
    {
        // An axis that is not resized maps to itself, as in ONNX Runtime. Taken literally, tf_half_pixel_for_nn
        // would shift it by half a pixel, and nearest_mode ceil would then read the next batch item or channel.
        _ when inSize == outSize && scale == 1 => o,
        "half_pixel" => (o + 0.5) / scale - 0.5,
        "pytorch_half_pixel" => outSize > 1 ? (o + 0.5) / scale - 0.5 : 0,
        "align_corners" => outSize == 1 ? 0 : o * (inSize - 1) / (double)(outSize - 1),
        "asymmetric" => o / scale,
        "tf_half_pixel_for_nn" => (o + 0.5) / scale,
        _ => throw node.Fail($"coordinate_transformation_mode '{mode}' is not supported"),
    };

    private static int NearestIndex(double x, int size, string mode, double scale, Node node)
    {
        double r = mode switch
        {
            OpsetNormalizer.LegacyNearestMode => scale < 1 ? Math.Ceiling(x) : Math.Floor(x),
            "round_prefer_floor" => x - Math.Floor(x) == 0.5 ? Math.Floor(x) : Math.Round(x),
            "round_prefer_ceil" => x - Math.Floor(x) == 0.5 ? Math.Ceiling(x) : Math.Round(x),
            "floor" => Math.Floor(x),
            "ceil" => Math.Ceiling(x),
            _ => throw node.Fail($"nearest_mode '{mode}' is not supported"),
        };
        return (int)Math.Clamp(r, 0, size - 1);
    }

    private static Tensor Linear(Node node, Tensor x, int[] outShape, double[] scales, string coordinates)
    {
        int rank = x.Rank;
        var src = node.FloatsOf(x);
        // Per axis and output index: the two neighbouring source indices and the upper weight.
        var lo = new int[rank][];
        var hi = new int[rank][];
        var wHi = new double[rank][];
        var interpolated = new List<int>();
        for (int a = 0; a < rank; a++)
        {
            lo[a] = new int[outShape[a]];
            hi[a] = new int[outShape[a]];
            wHi[a] = new double[outShape[a]];
            for (int o = 0; o < outShape[a]; o++)
            {
                double c = Math.Clamp(SourceCoordinate(o, scales[a], x.Shape[a], outShape[a], coordinates, node), 0, x.Shape[a] - 1);
                int l = (int)Math.Floor(c);
                lo[a][o] = l;
                hi[a][o] = Math.Min(l + 1, x.Shape[a] - 1);
                wHi[a][o] = c - l;
            }
            if (outShape[a] != x.Shape[a] || wHi[a].Any(w => w != 0)) interpolated.Add(a);
        }
        var strides = Strides.Of(x.Shape);
        var dst = new float[Strides.Product(outShape)];
        if (dst.Length == 0) return new Tensor(DataType.Float32, outShape, dst);
        var index = new int[rank];
        int corners = 1 << interpolated.Count;
        int k = 0;
        do
        {
            double sum = 0;
            for (int corner = 0; corner < corners; corner++)
            {
                double weight = 1;
                int offset = 0;
                for (int a = 0; a < rank; a++)
                {
                    int bit = interpolated.IndexOf(a);
                    int o = index[a];
                    if (bit < 0) { offset += lo[a][o] * strides[a]; continue; }
                    bool upper = (corner >> bit & 1) != 0;
                    weight *= upper ? wHi[a][o] : 1 - wHi[a][o];
                    offset += (upper ? hi[a][o] : lo[a][o]) * strides[a];
                }
                if (weight != 0) sum += weight * src[offset];
            }
            dst[k++] = (float)sum;
        } while (Strides.Next(index, outShape));
        return new Tensor(DataType.Float32, outShape, dst);
    }
}
