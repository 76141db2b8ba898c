namespace EdgeAgent.Engine.Graph.Ops;

/// <summary>
/// Ops the optimizer creates, in EdgeAgent's own domain so no ONNX file can name them:
/// <list type="bullet">
/// <item><c>FusedConv</c>: Conv attributes plus an activation; inputs X, W, B?, Residual?.
///   Computes act(conv + b + residual), or act(conv + b) + residual when
///   <c>activation_first</c> is 1. Also the form of ConvTranspose when <c>transposed</c> is 1.</item>
/// <item><c>FusedGemm</c>: Gemm attributes plus an activation on the result.</item>
/// <item><c>FusedMatMul</c>: MatMul with an optional bias (broadcast over the last axis) and an activation.</item>
/// <item><c>Silu</c> (x·sigmoid(x)) and <c>Gelu</c> (erf form), recognized from their exported patterns.</item>
/// </list>
/// FusedConv, FusedGemm and FusedMatMul also take <c>post_scale</c> (float, default 1) and
/// <c>post_shift</c> (float, default 0), applied last, after the activation and the residual:
/// y = epilogue * post_scale + post_shift (a scalar affine that followed the op, folded in by
/// the post-affine-fusion pass).
/// </summary>
public static class FusedOps
{
    public const string Domain = "edgeagent";
    public const string FusedConv = "FusedConv";
    public const string FusedGemm = "FusedGemm";
    public const string FusedMatMul = "FusedMatMul";
    public const string Silu = "Silu";
    public const string Gelu = "Gelu";

    public static readonly IReadOnlySet<string> Names = new HashSet<string> { FusedConv, FusedGemm, FusedMatMul, Silu, Gelu, QuantizedOps.QConv };

    /// <summary>Our ops that ONNX also defines with the same meaning: Gelu (opset 20), whose default is our erf form.</summary>
    public static readonly IReadOnlySet<string> AlsoOnnx = new HashSet<string> { Gelu };

    internal static void FusedConvShape(ShapeContext ctx)
    {
        if (ctx.Node.GetInt("transposed", 0) != 0) LinearShapes.ConvTranspose(ctx);
        else LinearShapes.Conv(ctx);
        CheckResidual(ctx, 3);
    }

    internal static void FusedGemmShape(ShapeContext ctx) => LinearShapes.Gemm(ctx);

    internal static void FusedMatMulShape(ShapeContext ctx)
    {
        LinearShapes.MatMul(ctx);
        if (ctx.HasInput(2) && ctx.Node.Outputs[0].Shape is { } output)
            Broadcasting.Shape(ctx, output, ctx.InputShape(2));
    }

    private static void CheckResidual(ShapeContext ctx, int index)
    {
        if (!ctx.HasInput(index) || ctx.Node.Outputs[0].Shape is not { } output || ctx.InputShape(index) is not { } residual) return;
        if (!residual.Equals(output) && Broadcasting.Shape(ctx, output, residual) is { } b && !b.Equals(output))
            throw ctx.Error($"residual {residual} does not fit output {output}");
    }
}
