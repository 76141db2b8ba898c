using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Graph.Ops;

/// <summary>Shape rules of element-wise ops: same shape, broadcasting, comparisons, casts.</summary>
internal static class ElementwiseShapes
{
    public static void SameAsInput(ShapeContext ctx)
    {
        ctx.RequireInputShape(0);
        ctx.SetOutput(0, ctx.InputType(0), ctx.InputShape(0));
    }

    public static void Dropout(ShapeContext ctx)
    {
        ctx.SetOutput(0, ctx.InputType(0), ctx.InputShape(0));
        ctx.SetOutput(1, DataType.Bool, ctx.InputShape(0));
    }

    public static void Arithmetic(ShapeContext ctx)
    {
        CheckSameType(ctx, 0, 1, ctx.Node.OpType == "Pow");
        var shape = Broadcasting.Shape(ctx, ctx.RequireInputShape(0), ctx.RequireInputShape(1));
        Dim[]? values = null;
        if (ctx.InputType(0).IsInteger())
        {
            Func<Dim, Dim, Dim>? op = ctx.Node.OpType switch
            {
                "Add" => (a, b) => a + b,
                "Sub" => (a, b) => a - b,
                "Mul" => (a, b) => a * b,
                "Div" => (a, b) => a / b,
                _ => null,
            };
            if (op is not null) values = Broadcasting.CombineValues(ctx.InputValues(0), ctx.InputValues(1), op);
        }
        ctx.SetOutput(0, ctx.InputType(0), shape, values);
    }

    public static void Comparison(ShapeContext ctx)
    {
        CheckSameType(ctx, 0, 1, allowDifferent: false);
        ctx.SetOutput(0, DataType.Bool, Broadcasting.Shape(ctx, ctx.RequireInputShape(0), ctx.RequireInputShape(1)));
    }

    public static void Where(ShapeContext ctx)
    {
        if (ctx.InputType(0) != DataType.Bool)
            throw ctx.Error($"the condition must be bool, not {ctx.InputType(0).Name()}");
        CheckSameType(ctx, 1, 2, allowDifferent: false);
        ctx.SetOutput(0, ctx.InputType(1),
            Broadcasting.Shape(ctx, ctx.RequireInputShape(0), ctx.RequireInputShape(1), ctx.RequireInputShape(2)));
    }

    public static void Cast(ShapeContext ctx)
    {
        var to = DataTypeInfo.FromOnnx((int)ctx.Node.GetInt("to", 0));
        if (to is DataType.Undefined or DataType.String)
            throw ctx.Error($"cannot cast to {DataTypeInfo.OnnxName((int)ctx.Node.GetInt("to", 0))}");
        var values = to.IsInteger() && ctx.InputType(0).IsInteger() ? ctx.InputValues(0) : null;
        ctx.SetOutput(0, to, ctx.InputShape(0), values);
    }

    private static void CheckSameType(ShapeContext ctx, int a, int b, bool allowDifferent)
    {
        var ta = ctx.InputType(a);
        var tb = ctx.InputType(b);
        if (!allowDifferent && ta != tb && ta != DataType.Undefined && tb != DataType.Undefined)
            throw ctx.Error($"input types differ: {ta.Name()} and {tb.Name()}");
    }
}
