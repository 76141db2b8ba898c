using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Graph.Ops;

/// <summary>Shape rules of ops that produce tensors from attributes or from shapes.</summary>
internal static class SourceShapes
{
    public static void Shape(ShapeContext ctx)
    {
        var shape = ctx.RequireInputShape(0);
        if (shape is null)
        {
            ctx.SetOutput(0, DataType.Int64, new TensorShape([Dim.Unknown]));
            return;
        }
        int rank = shape.Rank;
        int start = Clamp(ctx.Node.GetInt("start", 0), rank);
        int end = Clamp(ctx.Node.GetInt("end", rank), rank);
        var dims = shape.Dims.Skip(start).Take(Math.Max(0, end - start)).ToArray();
        ctx.SetOutput(0, DataType.Int64, TensorShape.Of(dims.Length), dims);
    }

    private static int Clamp(long index, int rank) => (int)Math.Clamp(index < 0 ? index + rank : index, 0, rank);

    public static void Constant(ShapeContext ctx)
    {
        var tensor = ctx.Node.Attribute("value")?.Tensor ?? throw ctx.Error("has no value");
        ctx.SetOutput(0, tensor.Type, TensorShape.Of(tensor.Shape));
        ctx.Node.Outputs[0].Constant = tensor;
    }

    public static void ConstantOfShape(ShapeContext ctx)
    {
        var type = ctx.Node.Attribute("value")?.Tensor?.Type ?? DataType.Float32;
        var dims = ctx.InputValues(0);
        if (dims is not null && dims.Any(d => d.IsKnown && d.Value < 0))
            throw ctx.Error($"shape [{string.Join(",", dims)}] has a negative dimension");
        var rank = ctx.InputShape(0) is { Rank: 1 } s && s[0].IsKnown ? (int?)s[0].Value : null;
        var shape = dims is not null ? new TensorShape(dims)
            : rank is int r ? new TensorShape(Enumerable.Repeat(Dim.Unknown, r)) : null;
        ctx.SetOutput(0, type, shape);
    }
}
