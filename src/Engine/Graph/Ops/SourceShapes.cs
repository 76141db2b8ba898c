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

    /// <summary>Range: a 1-D tensor of ceil((limit - start) / delta) elements; its length is known when the scalars are constant.</summary>
    public static void Range(ShapeContext ctx)
    {
        var type = ctx.InputType(0);
        for (int i = 0; i < 3; i++)
        {
            if (!ctx.HasInput(i)) throw ctx.Error($"input {i} is required");
            if (ctx.InputType(i) != type) throw ctx.Error($"input types differ: {type.Name()} and {ctx.InputType(i).Name()}");
            if (ctx.InputShape(i) is { } s && s.ElementCount is long n && n != 1) throw ctx.Error($"input {i} must be a scalar, not {s}");
        }
        Dim length = Dim.Unknown;
        if (ctx.InputConstant(0) is { } start && ctx.InputConstant(1) is { } limit && ctx.InputConstant(2) is { } delta)
            length = RangeLength(ctx.Node, start, limit, delta);
        ctx.SetOutput(0, type, new TensorShape([length]));
    }

    /// <summary>max(ceil((limit - start) / delta), 0); an error for a zero delta.</summary>
    public static long RangeLength(Node node, Tensor start, Tensor limit, Tensor delta)
    {
        if (start.Type.IsFloat())
        {
            double s = start.ToFloats()[0], l = limit.ToFloats()[0], d = delta.ToFloats()[0];
            if (d == 0) throw new ShapeInferenceException($"{node.Describe()}: delta cannot be 0");
            return Math.Max(0, (long)Math.Ceiling((l - s) / d));
        }
        long si = start.ToLongs()[0], li = limit.ToLongs()[0], di = delta.ToLongs()[0];
        if (di == 0) throw new ShapeInferenceException($"{node.Describe()}: delta cannot be 0");
        long span = li - si;
        return Math.Max(0, span / di + (span % di != 0 && (span < 0) == (di < 0) ? 1 : 0));
    }

    /// <summary>EyeLike: the 2-D input's shape, in the <c>dtype</c> attribute's type or the input's.</summary>
    public static void EyeLike(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (x is not null && x.Rank != 2) throw ctx.Error($"needs a 2-D input, got {x}");
        ctx.SetOutput(0, EyeLikeType(ctx.Node, ctx.InputType(0)), x);
    }

    public static DataType EyeLikeType(Node node, DataType input)
    {
        if (!node.HasAttribute("dtype")) return input;
        int code = (int)node.GetInt("dtype", 0);
        var type = DataTypeInfo.FromOnnx(code);
        return type is DataType.Undefined or DataType.String
            ? throw new ShapeInferenceException($"{node.Describe()}: dtype {DataTypeInfo.OnnxName(code)} is not supported")
            : type;
    }

    /// <summary>Size: the element count as an int64 scalar, tracked as a dimension.</summary>
    public static void Size(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        Dim[]? values = x is null ? null : [x.Dims.Aggregate(Dim.Known(1), (a, d) => a * d)];
        ctx.SetOutput(0, DataType.Int64, new TensorShape(Array.Empty<Dim>()), values);
    }
}
