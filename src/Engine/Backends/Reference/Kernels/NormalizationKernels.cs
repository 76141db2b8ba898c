using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>BatchNormalization (inference), LayerNormalization and Softmax.</summary>
internal static class NormalizationKernels
{
    public static Tensor[] BatchNormalization(Node node, Tensor?[] inputs)
    {
        if (node.GetInt("training_mode", 0) != 0) throw node.Fail("training_mode is not supported");
        var x = node.Required(inputs, 0);
        var scale = node.FloatsOf(node.Required(inputs, 1));
        var bias = node.FloatsOf(node.Required(inputs, 2));
        var mean = node.FloatsOf(node.Required(inputs, 3));
        var variance = node.FloatsOf(node.Required(inputs, 4));
        float epsilon = node.GetFloat("epsilon", 1e-5f);
        if (x.Rank < 2) throw node.Fail($"input {x.ShapeText()} has no channel axis");
        int channels = x.Shape[1];
        if (scale.Length != channels || bias.Length != channels || mean.Length != channels || variance.Length != channels)
            throw node.Fail($"parameters do not have {channels} channels");
        int inner = Strides.Product(x.Shape.AsSpan(2));
        var src = node.FloatsOf(x);
        var dst = new float[src.Length];
        for (int i = 0; i < src.Length; i++)
        {
            int c = i / inner % channels;
            dst[i] = (src[i] - mean[c]) / MathF.Sqrt(variance[c] + epsilon) * scale[c] + bias[c];
        }
        return [new Tensor(DataType.Float32, x.Shape, dst)];
    }

    public static Tensor[] LayerNormalization(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var scale = node.Required(inputs, 1);
        var bias = KernelArgs.Optional(inputs, 2);
        int axis = node.Axis(node.GetInt("axis", -1), x.Rank);
        float epsilon = node.GetFloat("epsilon", 1e-5f);
        int outer = Strides.Product(x.Shape.AsSpan(0, axis));
        int inner = Strides.Product(x.Shape.AsSpan(axis));
        var normShape = x.Shape[axis..];
        var si = Strides.BroadcastIndex(normShape, scale.Shape);
        var bi = bias is null ? null : Strides.BroadcastIndex(normShape, bias.Shape);
        var fs = node.FloatsOf(scale);
        var fb = bias is null ? null : node.FloatsOf(bias);
        var src = node.FloatsOf(x);
        var dst = new float[src.Length];
        var means = new float[outer];
        var invStd = new float[outer];
        for (int o = 0; o < outer; o++)
        {
            var row = src.AsSpan(o * inner, inner);
            double sum = 0, sq = 0;
            foreach (float v in row) sum += v;
            double mean = sum / inner;
            foreach (float v in row) sq += (v - mean) * (v - mean);
            double inv = 1.0 / Math.Sqrt(sq / inner + epsilon);
            means[o] = (float)mean;
            invStd[o] = (float)inv;
            for (int j = 0; j < inner; j++)
                dst[o * inner + j] = (float)((row[j] - mean) * inv) * fs[si[j]] + (fb is null ? 0 : fb[bi![j]]);
        }
        var statShape = x.Shape.Select((d, i) => i < axis ? d : 1).ToArray();
        return [new Tensor(DataType.Float32, x.Shape, dst),
            new Tensor(DataType.Float32, statShape, means), new Tensor(DataType.Float32, statShape, invStd)];
    }

    public static Tensor[] Softmax(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var src = node.FloatsOf(x);
        var dst = new float[src.Length];
        int axis = node.Axis(node.GetInt("axis", -1), Math.Max(1, x.Rank));
        int outer, size, inner;
        if (node.GetInt(OpsetNormalizer.LegacySoftmaxAttribute, 0) != 0)
        {
            // Opset < 13: the input is flattened to 2-D at axis and normalized over each row.
            outer = Strides.Product(x.Shape.AsSpan(0, axis));
            size = Strides.Product(x.Shape.AsSpan(axis));
            inner = 1;
        }
        else
        {
            outer = Strides.Product(x.Shape.AsSpan(0, axis));
            size = x.Rank == 0 ? 1 : x.Shape[axis];
            inner = Strides.Product(x.Shape.AsSpan(axis + 1));
        }
        for (int o = 0; o < outer; o++)
        for (int i = 0; i < inner; i++)
        {
            int baseIndex = o * size * inner + i;
            float max = float.NegativeInfinity;
            for (int j = 0; j < size; j++) max = MathF.Max(max, src[baseIndex + j * inner]);
            double sum = 0;
            for (int j = 0; j < size; j++)
            {
                float e = MathF.Exp(src[baseIndex + j * inner] - max);
                dst[baseIndex + j * inner] = e;
                sum += e;
            }
            for (int j = 0; j < size; j++) dst[baseIndex + j * inner] = (float)(dst[baseIndex + j * inner] / sum);
        }
        return [new Tensor(DataType.Float32, x.Shape, dst)];
    }
}
