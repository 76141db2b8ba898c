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

    public static Tensor[] Round(Node n, Tensor?[] i) => Map(n, i, v => MathF.Round(v, MidpointRounding.ToEven));
    public static Tensor[] Sin(Node n, Tensor?[] i) => Map(n, i, MathF.Sin);
    public static Tensor[] Cos(Node n, Tensor?[] i) => Map(n, i, MathF.Cos);
    public static Tensor[] Tan(Node n, Tensor?[] i) => Map(n, i, MathF.Tan);
    public static Tensor[] Asin(Node n, Tensor?[] i) => Map(n, i, MathF.Asin);
    public static Tensor[] Acos(Node n, Tensor?[] i) => Map(n, i, MathF.Acos);
    public static Tensor[] Atan(Node n, Tensor?[] i) => Map(n, i, MathF.Atan);
    public static Tensor[] Sinh(Node n, Tensor?[] i) => Map(n, i, MathF.Sinh);
    public static Tensor[] Cosh(Node n, Tensor?[] i) => Map(n, i, MathF.Cosh);
    public static Tensor[] Asinh(Node n, Tensor?[] i) => Map(n, i, MathF.Asinh);
    public static Tensor[] Acosh(Node n, Tensor?[] i) => Map(n, i, MathF.Acosh);
    public static Tensor[] Atanh(Node n, Tensor?[] i) => Map(n, i, MathF.Atanh);
    public static Tensor[] Softsign(Node n, Tensor?[] i) => Map(n, i, v => v / (1 + MathF.Abs(v)));
    public static Tensor[] Softplus(Node n, Tensor?[] i) => Map(n, i, SoftplusOf);
    public static Tensor[] Mish(Node n, Tensor?[] i) => Map(n, i, v => v * MathF.Tanh(SoftplusOf(v)));

    /// <summary>log(1 + e^x) without overflow for large x.</summary>
    private static float SoftplusOf(float x) => x > 0 ? x + MathF.Log(1 + MathF.Exp(-x)) : MathF.Log(1 + MathF.Exp(x));

    public static Tensor[] Elu(Node node, Tensor?[] inputs)
    {
        float alpha = node.GetFloat("alpha", 1f);
        return Map(node, inputs, v => v >= 0 ? v : alpha * (MathF.Exp(v) - 1));
    }

    public static Tensor[] Selu(Node node, Tensor?[] inputs)
    {
        float alpha = node.GetFloat("alpha", 1.67326319217681884765625f), gamma = node.GetFloat("gamma", 1.05070102214813232421875f);
        return Map(node, inputs, v => v > 0 ? gamma * v : gamma * alpha * (MathF.Exp(v) - 1));
    }

    public static Tensor[] Celu(Node node, Tensor?[] inputs)
    {
        float alpha = node.GetFloat("alpha", 1f);
        return Map(node, inputs, v => MathF.Max(0, v) + MathF.Min(0, alpha * (MathF.Exp(v / alpha) - 1)));
    }

    public static Tensor[] Shrink(Node node, Tensor?[] inputs)
    {
        float bias = node.GetFloat("bias", 0f), lambda = node.GetFloat("lambd", 0.5f);
        return Map(node, inputs, v => v < -lambda ? v + bias : v > lambda ? v - bias : 0);
    }

    public static Tensor[] ThresholdedRelu(Node node, Tensor?[] inputs)
    {
        float alpha = node.GetFloat("alpha", 1f);
        return Map(node, inputs, v => v > alpha ? v : 0);
    }

    /// <summary>
    /// ONNX Gelu (opset 20) and the optimizer's fused Gelu: the erf form, or the tanh
    /// approximation when <c>approximate</c> is "tanh".
    /// </summary>
    public static Tensor[] Gelu(Node node, Tensor?[] inputs)
    {
        if (Graph.Ops.Activation.GeluUsesTanh(node))
            return Map(node, inputs, v => (float)(0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))));
        return Map(node, inputs, new Graph.Ops.Activation(Graph.Ops.ActivationKind.Gelu).Apply);
    }

    public static Tensor[] IsNaN(Node node, Tensor?[] inputs)
    {
        var x = node.FloatsOf(node.Required(inputs, 0));
        return [new Tensor(DataType.Bool, inputs[0]!.Shape, Array.ConvertAll(x, float.IsNaN))];
    }

    public static Tensor[] IsInf(Node node, Tensor?[] inputs)
    {
        var x = node.FloatsOf(node.Required(inputs, 0));
        bool negative = node.GetInt("detect_negative", 1) != 0, positive = node.GetInt("detect_positive", 1) != 0;
        return [new Tensor(DataType.Bool, inputs[0]!.Shape,
            Array.ConvertAll(x, v => (positive && float.IsPositiveInfinity(v)) || (negative && float.IsNegativeInfinity(v))))];
    }

    /// <summary>Neg, Abs and Sign also apply to integer tensors (shape arithmetic).</summary>
    public static Tensor[] Neg(Node node, Tensor?[] inputs) => Signed(node, inputs, v => -v, v => -v);
    public static Tensor[] Abs(Node node, Tensor?[] inputs) => Signed(node, inputs, Math.Abs, Math.Abs);
    public static Tensor[] Sign(Node node, Tensor?[] inputs) => Signed(node, inputs, v => float.IsNaN(v) ? v : MathF.Sign(v), v => Math.Sign(v));

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

    public static Tensor[] BitwiseNot(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        if (!x.Type.IsInteger()) throw node.Fail($"unsupported element type {x.Type.Name()}");
        return [SourceKernels.CastTo(new Tensor(DataType.Int64, x.Shape, Array.ConvertAll(x.ToLongs(), v => ~v)), x.Type)];
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
