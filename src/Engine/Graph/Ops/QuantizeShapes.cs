using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Graph.Ops;

/// <summary>Shape rules of QuantizeLinear (float → int8/uint8) and DequantizeLinear (int8/uint8/int32 → float).</summary>
internal static class QuantizeShapes
{
    public static void Quantize(ShapeContext ctx)
    {
        // The output type is the zero point's (uint8 when absent), per the ONNX definition.
        var type = ctx.HasInput(2) ? ctx.InputType(2) : DataType.UInt8;
        if (type is not (DataType.Int8 or DataType.UInt8)) throw ctx.Error($"quantizes to int8 or uint8, not {type.Name()}");
        CheckScale(ctx);
        ctx.SetOutput(0, type, ctx.RequireInputShape(0));
    }

    public static void Dequantize(ShapeContext ctx)
    {
        if (ctx.InputType(0) is not (DataType.Int8 or DataType.UInt8 or DataType.Int32))
            throw ctx.Error($"dequantizes int8, uint8 or int32, not {ctx.InputType(0).Name()}");
        CheckScale(ctx);
        ctx.SetOutput(0, DataType.Float32, ctx.RequireInputShape(0));
    }

    private static void CheckScale(ShapeContext ctx)
    {
        if (ctx.InputType(1) != DataType.Float32) throw ctx.Error($"the scale must be float32, not {ctx.InputType(1).Name()}");
        if (ctx.InputShape(1) is { Rank: > 1 } s) throw ctx.Error($"the scale must be a scalar or 1-D (per axis), got {s}");
    }
}
