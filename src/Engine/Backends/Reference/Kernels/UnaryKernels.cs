using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>Element-wise single-input ops: activations and math functions on float32.</summary>
internal static class UnaryKernels
{
    public static Tensor[] Map(Node node, Tensor?[] inputs, Func<float, float> f)
    {
        var x = node.Required(inputs, 0);
        var src = node.FloatsOf(x);
        var dst = new float[src.Length];
        for (int i = 0; i < src.Length; i++) dst[i] = f(src[i]);
        return [new Tensor(DataType.Float32, x.Shape, dst)];
    }

    public static Tensor[] Relu(Node n, Tensor?[] i) => Map(n, i, v => v > 0 ? v : 0);
    public static Tensor[] Sigmoid(Node n, Tensor?[] i) => Map(n, i, v => 1f / (1f + MathF.Exp(-v)));
    public static Tensor[] Tanh(Node n, Tensor?[] i) => Map(n, i, MathF.Tanh);
    public static Tensor[] Exp(Node n, Tensor?[] i) => Map(n, i, MathF.Exp);
    public static Tensor[] Log(Node n, Tensor?[] i) => Map(n, i, MathF.Log);
    public static Tensor[] Sqrt(Node n, Tensor?[] i) => Map(n, i, MathF.Sqrt);
    public static Tensor[] Reciprocal(Node n, Tensor?[] i) => Map(n, i, v => 1f / v);
    public static Tensor[] Floor(Node n, Tensor?[] i) => Map(n, i, MathF.Floor);
    public static Tensor[] Ceil(Node n, Tensor?[] i) => Map(n, i, MathF.Ceiling);
    public static Tensor[] Erf(Node n, Tensor?[] i) => Map(n, i, v => (float)Graph.Ops.ErfMath.Erf(v));

    public static Tensor[] LeakyRelu(Node node, Tensor?[] inputs)
    {
        float alpha = node.GetFloat("alpha", 0.01f);
        return Map(node, inputs, v => v >= 0 ? v : alpha * v);
    }

    public static Tensor[] HardSigmoid(Node node, Tensor?[] inputs)
    {
        float alpha = node.GetFloat("alpha", 0.2f), beta = node.GetFloat("beta", 0.5f);
        return Map(node, inputs, v => Math.Clamp(alpha * v + beta, 0f, 1f));
    }

    public static Tensor[] HardSwish(Node n, Tensor?[] i) => Map(n, i, v => v * Math.Clamp(v / 6f + 0.5f, 0f, 1f));

    /// <summary>Neg and Abs also apply to integer tensors (shape arithmetic).</summary>
    public static Tensor[] Neg(Node node, Tensor?[] inputs) => Signed(node, inputs, v => -v, v => -v);
    public static Tensor[] Abs(Node node, Tensor?[] inputs) => Signed(node, inputs, Math.Abs, Math.Abs);

    private static Tensor[] Signed(Node node, Tensor?[] inputs, Func<float, float> f, Func<long, long> g)
    {
        var x = node.Required(inputs, 0);
        return x.Data switch
        {
            float[] => Map(node, inputs, f),
            long[] l => [new Tensor(DataType.Int64, x.Shape, Array.ConvertAll(l, v => g(v)))],
            int[] n => [new Tensor(DataType.Int32, x.Shape, Array.ConvertAll(n, v => (int)g(v)))],
            _ => throw node.Fail($"unsupported element type {x.Type.Name()}"),
        };
    }

    public static Tensor[] Clip(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var min = KernelArgs.Optional(inputs, 1);
        var max = KernelArgs.Optional(inputs, 2);
        if (x.Data is float[] src)
        {
            float lo = min is null ? float.NegativeInfinity : min.ToFloats()[0];
            float hi = max is null ? float.PositiveInfinity : max.ToFloats()[0];
            var dst = new float[src.Length];
            // min wins over max when they cross, as in ONNX's definition (min(max(x, lo), hi)).
            for (int i = 0; i < src.Length; i++) dst[i] = MathF.Min(MathF.Max(src[i], lo), hi);
            return [new Tensor(DataType.Float32, x.Shape, dst)];
        }
        if (x.Data is long[] l)
        {
            long lo = min is null ? long.MinValue : min.ToLongs()[0], hi = max is null ? long.MaxValue : max.ToLongs()[0];
            return [new Tensor(DataType.Int64, x.Shape, Array.ConvertAll(l, v => Math.Min(Math.Max(v, lo), hi)))];
        }
        throw node.Fail($"unsupported element type {x.Type.Name()}");
    }

    public static Tensor[] Not(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var b = x.Data as bool[] ?? throw node.Fail("input must be bool");
        return [new Tensor(DataType.Bool, x.Shape, Array.ConvertAll(b, v => !v))];
    }

    /// <summary>x passes through unchanged (Identity, inference-mode Dropout); tensors are never mutated.</summary>
    public static Tensor[] PassThrough(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        if (node.OpType == "Dropout" && node.Outputs.Count > 1)
            return [x, new Tensor(DataType.Bool, x.Shape, Enumerable.Repeat(true, x.Length).ToArray())];
        return [x];
    }

    internal static void AddInPlace(Span<float> dst, ReadOnlySpan<float> src) => TensorPrimitives.Add(dst, src, dst);
}
