using System.Numerics;
using EdgeAgent.Engine.Graph.Ops;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// The requantizing epilogue of a QConv output row: int32 sums → float (minus the unsigned-input
/// correction, times x_scale · w_scale[m]) → bias, residual, activation and post affine through
/// the FP32 epilogue (<see cref="EpilogueRows"/>, so both precisions share one tested
/// implementation) → int8 (round half to even, ±127) or float32. An int8 residual is
/// dequantized into scratch first. Pointers are the caller's; building one allocates nothing.
/// </summary>
public readonly unsafe struct Int8Epilogue
{
    public float* Bias { get; init; }
    public Activation Activation { get; init; }
    public bool ActivationFirst { get; init; }
    public float PostScale { get; init; }
    public float PostShift { get; init; }
    /// <summary>Float residual with the output's layout, or null.</summary>
    public float* Residual { get; init; }
    /// <summary>Int8 residual with the output's layout, or null; dequantized with <see cref="ResidualScale"/>.</summary>
    public sbyte* ResidualInt8 { get; init; }
    public float ResidualScale { get; init; }
    /// <summary>Int8 output (with <see cref="InverseOutputScale"/>), or null for a float output.</summary>
    public sbyte* OutputInt8 { get; init; }
    public float* Output { get; init; }
    public float InverseOutputScale { get; init; }
    /// <summary>Which FP32 epilogue code runs the activation (Portable: the reference's scalar one).</summary>
    public KernelIsa FloatIsa { get; init; }

    /// <summary>Finishes <paramref name="count"/> values of output element <paramref name="index"/> onwards, all in channel <paramref name="m"/>.</summary>
    internal void Row(int* acc, int count, int correction, float rowScale, int m, long index, float* scratch, float* residualScratch)
    {
        float* f = OutputInt8 == null ? Output + index : scratch;
        ToFloat(acc, count, correction, rowScale, f);
        float* residual = Residual != null ? Residual + index : null;
        if (ResidualInt8 != null)
        {
            Dequantize(ResidualInt8 + index, count, ResidualScale, residualScratch);
            residual = residualScratch;
        }
        EpilogueRows.Apply(f, count, Bias == null ? 0f : Bias[m], residual, Activation, ActivationFirst, PostScale, PostShift, FloatIsa);
        if (OutputInt8 != null) Quantize(f, count, InverseOutputScale, OutputInt8 + index);
    }

    private static void ToFloat(int* acc, int count, int correction, float scale, float* f)
    {
        int w = Vector<int>.Count, i = 0;
        var vc = new Vector<int>(correction);
        var vs = new Vector<float>(scale);
        for (; i <= count - w; i += w) Vector.Store(Vector.ConvertToSingle(Vector.Load(acc + i) - vc) * vs, f + i);
        for (; i < count; i++) f[i] = (acc[i] - correction) * scale;
    }

    public static void Dequantize(sbyte* q, int count, float scale, float* f)
    {
        for (int i = 0; i < count; i++) f[i] = q[i] * scale;
    }

    /// <summary>
    /// q = clamp(round_half_even(f · inverse) + zeroPoint, min, 127): the same on every path,
    /// vector or scalar. QConv outputs use min -127 (symmetric); ONNX QuantizeLinear allows -128.
    /// </summary>
    public static void Quantize(float* f, int count, float inverse, sbyte* q, int min = -QuantizedOps.QMax, int zeroPoint = 0)
    {
        int w = Vector<float>.Count, i = 0;
        var vi = new Vector<float>(inverse);
        var lo = new Vector<float>(min - zeroPoint);
        var hi = new Vector<float>(127 - zeroPoint);
        var zp = new Vector<int>(zeroPoint);
        // Four float vectors narrow to one vector of bytes (int → short → sbyte, values already in range).
        for (; i <= count - 4 * w; i += 4 * w)
        {
            var q0 = Vector.ConvertToInt32(Vector.Min(Vector.Max(Vector.Round(Vector.Load(f + i) * vi), lo), hi)) + zp;
            var q1 = Vector.ConvertToInt32(Vector.Min(Vector.Max(Vector.Round(Vector.Load(f + i + w) * vi), lo), hi)) + zp;
            var q2 = Vector.ConvertToInt32(Vector.Min(Vector.Max(Vector.Round(Vector.Load(f + i + 2 * w) * vi), lo), hi)) + zp;
            var q3 = Vector.ConvertToInt32(Vector.Min(Vector.Max(Vector.Round(Vector.Load(f + i + 3 * w) * vi), lo), hi)) + zp;
            Vector.Store(Vector.Narrow(Vector.Narrow(q0, q1), Vector.Narrow(q2, q3)), q + i);
        }
        for (; i < count; i++)
        {
            float r = MathF.Round(f[i] * inverse, MidpointRounding.ToEven);
            q[i] = float.IsNaN(r) ? (sbyte)zeroPoint : (sbyte)(Math.Clamp(r, min - zeroPoint, 127 - zeroPoint) + zeroPoint);
        }
    }
}
