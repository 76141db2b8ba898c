using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>BatchNormalization (inference), LayerNormalization, Softmax and the other normalizations along an axis.</summary>
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

    /// <summary>InstanceNormalization: each (sample, channel) plane normalized on its own, then scaled and shifted per channel.</summary>
    public static Tensor[] InstanceNormalization(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        if (x.Rank < 3) throw node.Fail($"needs an N x C x spatial input, got {x.ShapeText()}");
        int channels = x.Shape[1];
        return NormalizeBlocks(node, x, channels, 1, node.Required(inputs, 1), node.Required(inputs, 2));
    }

    /// <summary>
    /// GroupNormalization: the channels of each sample split into num_groups groups, each group
    /// normalized over its channels and spatial elements, then scaled and shifted per channel
    /// (per group for opset &lt; 21).
    /// </summary>
    public static Tensor[] GroupNormalization(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        if (x.Rank < 3) throw node.Fail($"needs an N x C x spatial input, got {x.ShapeText()}");
        int groups = (int)node.GetInt("num_groups", 0), channels = x.Shape[1];
        if (groups < 1 || channels % groups != 0) throw node.Fail($"{channels} channels are not divisible into {groups} groups");
        int affinePerChannel = node.GetInt(OpsetNormalizer.LegacyGroupAffineAttribute, 0) != 0 ? channels / groups : 1;
        return NormalizeBlocks(node, x, groups, affinePerChannel, node.Required(inputs, 1), node.Required(inputs, 2));
    }

    /// <summary>
    /// Splits each sample into <paramref name="blocks"/> contiguous blocks, normalizes each to zero
    /// mean and unit variance (plus epsilon), then applies scale and bias per channel, one value
    /// covering <paramref name="channelsPerValue"/> consecutive channels.
    /// </summary>
    private static Tensor[] NormalizeBlocks(Node node, Tensor x, int blocks, int channelsPerValue, Tensor scaleTensor, Tensor biasTensor)
    {
        var src = node.FloatsOf(x);
        var scale = node.FloatsOf(scaleTensor);
        var bias = node.FloatsOf(biasTensor);
        int channels = x.Shape[1];
        if (scale.Length * channelsPerValue != channels || bias.Length * channelsPerValue != channels)
            throw node.Fail($"scale {scaleTensor.ShapeText()} and bias {biasTensor.ShapeText()} do not fit {channels} channels");
        float epsilon = node.GetFloat("epsilon", 1e-5f);
        int spatial = Strides.Product(x.Shape.AsSpan(2));
        int block = channels / blocks * spatial;
        var dst = new float[src.Length];
        for (int start = 0; start < src.Length; start += block)
        {
            var values = src.AsSpan(start, block);
            double sum = 0, sq = 0;
            foreach (float v in values) sum += v;
            double mean = sum / block;
            foreach (float v in values) sq += (v - mean) * (v - mean);
            double inv = 1.0 / Math.Sqrt(sq / block + epsilon);
            for (int j = 0; j < block; j++)
            {
                int c = (start + j) / spatial % channels / channelsPerValue;
                dst[start + j] = (float)((values[j] - mean) * inv) * scale[c] + bias[c];
            }
        }
        return [new Tensor(DataType.Float32, x.Shape, dst)];
    }

    /// <summary>MeanVarianceNormalization: (x - mean) / (std + 1e-9) over <c>axes</c> (default 0, 2, 3).</summary>
    public static Tensor[] MeanVarianceNormalization(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var src = node.FloatsOf(x);
        var axes = (node.GetInts("axes") ?? [0, 2, 3]).Select(a => node.Axis(a, x.Rank)).ToHashSet();
        var keptShape = x.Shape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray();
        var slot = Strides.BroadcastIndex(x.Shape, keptShape);
        int slots = Strides.Product(keptShape), count = src.Length / Math.Max(1, slots);
        var mean = new double[slots];
        var variance = new double[slots];
        for (int i = 0; i < src.Length; i++) mean[slot[i]] += src[i];
        for (int s = 0; s < slots; s++) mean[s] /= count;
        for (int i = 0; i < src.Length; i++) variance[slot[i]] += (src[i] - mean[slot[i]]) * (src[i] - mean[slot[i]]);
        var dst = new float[src.Length];
        for (int i = 0; i < src.Length; i++)
            dst[i] = (float)((src[i] - mean[slot[i]]) / (Math.Sqrt(variance[slot[i]] / count) + 1e-9));
        return [new Tensor(DataType.Float32, x.Shape, dst)];
    }

    /// <summary>
    /// LRN: each element divided by (bias + alpha / size · Σ x²)^beta, the sum over the window of
    /// <c>size</c> channels around it (floor((size-1)/2) before, ceil((size-1)/2) after).
    /// </summary>
    public static Tensor[] LRN(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        if (x.Rank < 3) throw node.Fail($"needs an N x C x spatial input, got {x.ShapeText()}");
        int size = (int)node.GetInt("size", 0);
        if (size < 1) throw node.Fail($"size must be positive, not {size}");
        float alpha = node.GetFloat("alpha", 1e-4f), beta = node.GetFloat("beta", 0.75f), bias = node.GetFloat("bias", 1f);
        var src = node.FloatsOf(x);
        int channels = x.Shape[1], spatial = Strides.Product(x.Shape.AsSpan(2));
        int before = (size - 1) / 2, after = size - 1 - before;
        var dst = new float[src.Length];
        for (int i = 0; i < src.Length; i++)
        {
            int c = i / spatial % channels, planeStart = i - c * spatial;
            double sum = 0;
            for (int k = Math.Max(0, c - before); k <= Math.Min(channels - 1, c + after); k++)
            {
                float v = src[planeStart + k * spatial];
                sum += (double)v * v;
            }
            dst[i] = (float)(src[i] / Math.Pow(bias + alpha / size * sum, beta));
        }
        return [new Tensor(DataType.Float32, x.Shape, dst)];
    }

    public static Tensor[] Softmax(Node node, Tensor?[] inputs) => AlongAxis(node, inputs, Softmax);
    public static Tensor[] LogSoftmax(Node node, Tensor?[] inputs) => AlongAxis(node, inputs, LogSoftmax);
    public static Tensor[] Hardmax(Node node, Tensor?[] inputs) => AlongAxis(node, inputs, Hardmax);

    /// <summary>One row along the normalized axis: <c>count</c> elements <c>stride</c> apart from <c>start</c>.</summary>
    private delegate void RowOp(float[] src, float[] dst, int start, int count, int stride);

    /// <summary>
    /// Applies <paramref name="row"/> to every row along <c>axis</c> (Softmax, LogSoftmax, Hardmax).
    /// Opset &lt; 13 forms (marked by the normalizer) flatten the input to 2-D at axis and treat each
    /// flattened row as one.
    /// </summary>
    private static Tensor[] AlongAxis(Node node, Tensor?[] inputs, RowOp row)
    {
        var x = node.Required(inputs, 0);
        var src = node.FloatsOf(x);
        var dst = new float[src.Length];
        int axis = node.Axis(node.GetInt("axis", -1), Math.Max(1, x.Rank));
        int outer = Strides.Product(x.Shape.AsSpan(0, Math.Min(axis, x.Rank))), size, inner;
        if (node.GetInt(OpsetNormalizer.LegacySoftmaxAttribute, 0) != 0)
        {
            size = Strides.Product(x.Shape.AsSpan(axis));
            inner = 1;
        }
        else
        {
            size = x.Rank == 0 ? 1 : x.Shape[axis];
            inner = Strides.Product(x.Shape.AsSpan(axis + 1));
        }
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++) row(src, dst, o * size * inner + i, size, inner);
        return [new Tensor(DataType.Float32, x.Shape, dst)];
    }

    private static float RowMax(float[] src, int start, int count, int stride)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < count; j++) max = MathF.Max(max, src[start + j * stride]);
        return max;
    }

    private static void Softmax(float[] src, float[] dst, int start, int count, int stride)
    {
        float max = RowMax(src, start, count, stride);
        double sum = 0;
        for (int j = 0; j < count; j++)
        {
            float e = MathF.Exp(src[start + j * stride] - max);
            dst[start + j * stride] = e;
            sum += e;
        }
        for (int j = 0; j < count; j++) dst[start + j * stride] = (float)(dst[start + j * stride] / sum);
    }

    private static void LogSoftmax(float[] src, float[] dst, int start, int count, int stride)
    {
        float max = RowMax(src, start, count, stride);
        double sum = 0;
        for (int j = 0; j < count; j++) sum += Math.Exp(src[start + j * stride] - max);
        double log = Math.Log(sum);
        for (int j = 0; j < count; j++) dst[start + j * stride] = (float)(src[start + j * stride] - max - log);
    }

    /// <summary>1 at the first maximum of the row, 0 elsewhere.</summary>
    private static void Hardmax(float[] src, float[] dst, int start, int count, int stride)
    {
        int best = 0;
        for (int j = 1; j < count; j++)
            if (src[start + j * stride] > src[start + best * stride]) best = j;
        if (count > 0) dst[start + best * stride] = 1;
    }

    /// <summary>LpNormalization: x divided by its L1 (p = 1) or L2 (p = 2) norm along axis.</summary>
    public static Tensor[] LpNormalization(Node node, Tensor?[] inputs)
    {
        long p = node.GetInt("p", 2);
        if (p is not (1 or 2)) throw node.Fail($"p must be 1 or 2, not {p}");
        return AlongAxis(node, inputs, (src, dst, start, count, stride) =>
        {
            double norm = 0;
            for (int j = 0; j < count; j++)
            {
                float v = src[start + j * stride];
                norm += p == 1 ? Math.Abs(v) : (double)v * v;
            }
            if (p == 2) norm = Math.Sqrt(norm);
            for (int j = 0; j < count; j++) dst[start + j * stride] = norm == 0 ? 0 : (float)(src[start + j * stride] / norm);
        });
    }
}
