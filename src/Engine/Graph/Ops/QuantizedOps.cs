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
/// <para>
/// Layout: with the attribute <c>layout</c> = <c>"NHWC"</c> (set by <c>Passes/NhwcLayoutPass</c>
/// for backends whose kernels read channels-last activations) X is [N, H, W, C] and the residual
/// and output are [N, OH, OW, M]; the weights keep their ONNX shape. The arithmetic is the same.
/// </para>
/// </summary>
public static class QuantizedOps
{
    public const string QConv = "QConv";

    public const int X = 0, W = 1, Bias = 2, Residual = 3, XScale = 4, WScale = 5, YScale = 6, ResidualScale = 7;

    /// <summary>The attribute that names an activation layout other than NCHW, and its one value so far.</summary>
    public const string LayoutAttribute = "layout", Nhwc = "NHWC";

    /// <summary>Whether a node reads and writes channels-last (NHWC) activations.</summary>
    public static bool IsNhwc(Node node) => node.GetString(LayoutAttribute, "") == Nhwc;

    /// <summary>The permutation NCHW → NHWC (Transpose perm) and its inverse.</summary>
    public static readonly long[] ToNhwcPerm = [0, 2, 3, 1], ToNchwPerm = [0, 3, 1, 2];

    /// <summary>The largest magnitude of a symmetric int8 value.</summary>
    public const int QMax = 127;

    internal static void QConvShape(ShapeContext ctx)
    {
        if (ctx.InputType(X) != DataType.Int8 || ctx.InputType(W) != DataType.Int8)
            throw ctx.Error($"QConv needs int8 input and weights, got {ctx.InputType(X).Name()} and {ctx.InputType(W).Name()}");
        if (!ctx.HasInput(XScale) || !ctx.HasInput(WScale)) throw ctx.Error("QConv needs x_scale and w_scale");
        if (ctx.HasInput(Residual) && ctx.InputType(Residual) == DataType.Int8 && !ctx.HasInput(ResidualScale))
            throw ctx.Error("an int8 residual needs residual_scale");
        var type = ctx.HasInput(YScale) ? DataType.Int8 : DataType.Float32;
        if (!IsNhwc(ctx.Node))
        {
            LinearShapes.Conv(ctx);
            ctx.SetOutput(0, type, ctx.Node.Outputs[0].Shape);
            return;
        }
        var x = ctx.RequireInputShape(X);
        if (x is not null && x.Rank != 4) throw ctx.Error($"an NHWC QConv takes a 4-D input, got {x}");
        var nchw = x is null ? null : new TensorShape([x[0], x[3], x[1], x[2]]);
        var y = LinearShapes.ConvOutput(ctx, nchw, ctx.RequireInputShape(W));
        ctx.SetOutput(0, type, y is null ? null : new TensorShape([y[0], y[2], y[3], y[1]]));
    }

    /// <summary>Round half to even and saturate to the symmetric int8 range.</summary>
    public static sbyte Quantize(float value, float inverseScale)
    {
        float q = MathF.Round(value * inverseScale, MidpointRounding.ToEven);
        return float.IsNaN(q) ? (sbyte)0 : (sbyte)Math.Clamp(q, -QMax, QMax);
    }
}
