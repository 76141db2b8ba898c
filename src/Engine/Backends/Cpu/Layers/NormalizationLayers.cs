using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Runtime;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>Softmax over the last axis (or, opset &lt; 13, over everything from axis on): max-subtracted, vectorized.</summary>
internal sealed class SoftmaxLayer : RowLayer
{
    private SoftmaxLayer(LayerSpec spec, int rows, int length) : base(spec.Input(0).Offset, spec.Output(0).Offset, rows, length, length) { }

    /// <summary>Null when the normalized axis is not the trailing block (then the reference kernel runs it).</summary>
    public static SoftmaxLayer? TryCreate(LayerSpec spec)
    {
        var shape = spec.Input(0).Shape;
        if (shape.Length == 0) return null;
        long a = spec.Node.GetInt("axis", -1);
        int axis = (int)(a < 0 ? a + shape.Length : a);
        bool legacy = spec.Node.GetInt(OpsetNormalizer.LegacySoftmaxAttribute, 0) != 0;
        if (!legacy && axis != shape.Length - 1) return null;
        int length = shape.Skip(axis).Aggregate(1, (x, y) => x * y);
        return length == 0 ? null : new SoftmaxLayer(spec, (int)(spec.Input(0).ElementCount / length), length);
    }

    protected override void Row(ReadOnlySpan<float> input, Span<float> output) => TensorPrimitives.SoftMax(input, output);
}

/// <summary>LayerNormalization over the trailing axes with per-element scale and bias.</summary>
internal sealed class LayerNormLayer : RowLayer
{
    private readonly float[] _scale;
    private readonly float[]? _bias;
    private readonly float _epsilon;

    private LayerNormLayer(LayerSpec spec, int rows, int length, float[] scale, float[]? bias)
        : base(spec.Input(0).Offset, spec.Output(0).Offset, rows, length, length)
    {
        _scale = scale;
        _bias = bias;
        _epsilon = spec.Node.GetFloat("epsilon", 1e-5f);
    }

    public static LayerNormLayer? TryCreate(LayerSpec spec)
    {
        var shape = spec.Input(0).Shape;
        long a = spec.Node.GetInt("axis", -1);
        int axis = (int)(a < 0 ? a + shape.Length : a);
        int length = shape.Skip(axis).Aggregate(1, (x, y) => x * y);
        if (spec.Outputs.Count > 1 || length == 0) return null;
        if (spec.Input(1).Constant is not { } scale || scale.Length != length) return null;
        var bias = spec.OptionalInput(2);
        if (bias is not null && (bias.Constant is not { } b || b.Length != length)) return null;
        return new LayerNormLayer(spec, (int)(spec.Input(0).ElementCount / length), length, scale.Floats, bias?.Constant?.Floats);
    }

    /// <summary>Rows up to this long are normalized in vectorized float passes; longer ones sum in double.</summary>
    private const int VectorRowLimit = 4096;

    protected override void Row(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length <= VectorRowLimit)
        {
            // A transformer's rows (a few hundred features): centre, scale by 1/σ, then scale and bias, each one vector pass.
            float mean = TensorPrimitives.Sum(input) / input.Length;
            TensorPrimitives.Subtract(input, mean, output);
            float inv = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(output) / output.Length + _epsilon);
            TensorPrimitives.Multiply(output, inv, output);
            if (_bias is null) TensorPrimitives.Multiply(output, _scale, output);
            else TensorPrimitives.FusedMultiplyAdd(output, _scale, _bias, output);
            return;
        }
        // Long rows: mean and variance in double, as the reference does, so they stay accurate.
        double sum = 0;
        foreach (float v in input) sum += v;
        double mean64 = sum / input.Length, squares = 0;
        foreach (float v in input) squares += (v - mean64) * (v - mean64);
        float inv64 = (float)(1.0 / Math.Sqrt(squares / input.Length + _epsilon));
        for (int i = 0; i < input.Length; i++)
            output[i] = (float)((input[i] - mean64) * inv64) * _scale[i] + (_bias is null ? 0 : _bias[i]);
    }
}

/// <summary>ReduceMean, ReduceSum and ReduceMax over the trailing axes (one output per row).</summary>
internal sealed class ReduceLayer : RowLayer
{
    private readonly int _op;

    private ReduceLayer(LayerSpec spec, int rows, int length, int op) : base(spec.Input(0).Offset, spec.Output(0).Offset, rows, length, 1) => _op = op;

    public static ReduceLayer? TryCreate(LayerSpec spec)
    {
        var shape = spec.Input(0).Shape;
        if (spec.OptionalInput(1) is not { Constant: { } axesTensor }) return null;
        var axes = axesTensor.ToLongs().Select(x => (int)(x < 0 ? x + shape.Length : x)).Order().ToArray();
        if (axes.Length == 0 || axes[^1] != shape.Length - 1 || axes.Select((x, i) => x - i).Distinct().Count() != 1) return null;
        int length = shape.Skip(axes[0]).Aggregate(1, (x, y) => x * y);
        int op = spec.Node.OpType switch { "ReduceMean" => 0, "ReduceSum" => 1, _ => 2 };
        return length == 0 ? null : new ReduceLayer(spec, (int)(spec.Input(0).ElementCount / length), length, op);
    }

    protected override void Row(ReadOnlySpan<float> input, Span<float> output)
    {
        if (_op == 2) { output[0] = TensorPrimitives.Max(input); return; }
        double sum = 0;
        foreach (float v in input) sum += v;
        output[0] = (float)(_op == 0 ? sum / input.Length : sum);
    }
}
