using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Graph.Ops;

/// <summary>
/// The quantized ops the INT8 rewrite creates, in EdgeAgent's domain. Every backend that runs
/// INT8 implements exactly these semantics; the reference kernel is the definition.
/// <para>
/// <c>QConv</c>: a <see cref="FusedOps.FusedConv"/> on int8 tensors. Inputs keep FusedConv's
/// first four positions so shape rules and attribute parsing are shared:
/// 0 X (int8 NCHW, symmetric, zero point 0), 1 W (int8 [M, C/group, KH, KW], symmetric per output
/// channel), 2 B (float32 [M], optional), 3 Residual (optional; float32, or int8 with input 7 as
/// its scale), 4 x_scale (float32 scalar), 5 w_scale (float32 [M]), 6 y_scale (float32 scalar,
/// optional: present means the output is int8, absent means float32), 7 residual_scale (float32
/// scalar, only with an int8 residual). Attributes: those of FusedConv (kernel_shape, strides,
/// pads, dilations, group, activation, activation_alpha/beta, activation_first, post_scale,
/// post_shift); <c>transposed</c> is never set.
/// </para>
/// <para>
/// Semantics: acc[m] = Σ X·W exactly in int32; v = acc · (x_scale · w_scale[m]) + B[m] in
/// float32; then the residual and activation exactly as FusedConv orders them, then
/// v · post_scale + post_shift; an int8 output is clamp(round_half_even(v · (1 / y_scale)), -127, 127).
/// -128 is never produced, so every int8 tensor stays symmetric.
/// </para>
/// </summary>
public static class QuantizedOps
{
    public const string QConv = "QConv";

    public const int X = 0, W = 1, Bias = 2, Residual = 3, XScale = 4, WScale = 5, YScale = 6, ResidualScale = 7;

    /// <summary>The largest magnitude of a symmetric int8 value.</summary>
    public const int QMax = 127;

    internal static void QConvShape(ShapeContext ctx)
    {
        if (ctx.InputType(X) != DataType.Int8 || ctx.InputType(W) != DataType.Int8)
            throw ctx.Error($"QConv needs int8 input and weights, got {ctx.InputType(X).Name()} and {ctx.InputType(W).Name()}");
        if (!ctx.HasInput(XScale) || !ctx.HasInput(WScale)) throw ctx.Error("QConv needs x_scale and w_scale");
        if (ctx.HasInput(Residual) && ctx.InputType(Residual) == DataType.Int8 && !ctx.HasInput(ResidualScale))
            throw ctx.Error("an int8 residual needs residual_scale");
        LinearShapes.Conv(ctx);
        var shape = ctx.Node.Outputs[0].Shape;
        ctx.SetOutput(0, ctx.HasInput(YScale) ? DataType.Int8 : DataType.Float32, shape);
    }

    /// <summary>Round half to even and saturate to the symmetric int8 range.</summary>
    public static sbyte Quantize(float value, float inverseScale)
    {
        float q = MathF.Round(value * inverseScale, MidpointRounding.ToEven);
        return float.IsNaN(q) ? (sbyte)0 : (sbyte)Math.Clamp(q, -QMax, QMax);
    }
}
