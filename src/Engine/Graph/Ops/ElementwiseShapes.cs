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

    /// <summary>LogSoftmax, Hardmax, LpNormalization: same shape, an axis in range (and LpNormalization's p 1 or 2).</summary>
    public static void AlongAxis(ShapeContext ctx)
    {
        if (ctx.RequireInputShape(0) is { } x) ctx.NormalizeAxis(ctx.Node.GetInt("axis", -1), Math.Max(1, x.Rank));
        if (ctx.Node.OpType == "LpNormalization" && ctx.Node.GetInt("p", 2) is var p && p is not (1 or 2))
            throw ctx.Error($"p must be 1 or 2, not {p}");
        SameAsInput(ctx);
    }

    /// <summary>CumSum: same shape; the axis is a one-element integer input, checked when constant.</summary>
    public static void CumSum(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (!ctx.HasInput(1)) throw ctx.Error("input 1 (axis) is required");
        if (!ctx.InputType(1).IsInteger()) throw ctx.Error($"axis must be an integer tensor, not {ctx.InputType(1).Name()}");
        if (ctx.ConstantInts(1) is { } axis)
        {
            if (axis.Length != 1) throw ctx.Error($"axis must hold one value, not {axis.Length}");
            if (x is not null) ctx.NormalizeAxis(axis[0], x.Rank);
        }
        ctx.SetOutput(0, ctx.InputType(0), x);
    }

    /// <summary>BitwiseAnd, BitwiseOr, BitwiseXor: integer operands of one type, broadcast.</summary>
    public static void Bitwise(ShapeContext ctx)
    {
        CheckSameType(ctx, 0, 1, allowDifferent: false);
        CheckInteger(ctx);
        ctx.SetOutput(0, ctx.InputType(0), Broadcasting.Shape(ctx, ctx.RequireInputShape(0), ctx.RequireInputShape(1)));
    }

    public static void BitwiseNot(ShapeContext ctx)
    {
        CheckInteger(ctx);
        SameAsInput(ctx);
    }

    private static void CheckInteger(ShapeContext ctx)
    {
        if (!ctx.InputType(0).IsInteger() && ctx.InputType(0) != DataType.Undefined)
            throw ctx.Error($"the inputs must be integer tensors, not {ctx.InputType(0).Name()}");
    }

    /// <summary>CastLike: input 0 converted to the element type of input 1.</summary>
    public static void CastLike(ShapeContext ctx)
    {
        if (!ctx.HasInput(1)) throw ctx.Error("input 1 (target_type) is required");
        var to = ctx.InputType(1);
        var values = to.IsInteger() && ctx.InputType(0).IsInteger() ? ctx.InputValues(0) : null;
        ctx.SetOutput(0, to, ctx.RequireInputShape(0), values);
    }

    /// <summary>ONNX Gelu: checks the <c>approximate</c> attribute.</summary>
    public static void Gelu(ShapeContext ctx)
    {
        Activation.GeluUsesTanh(ctx.Node);
        SameAsInput(ctx);
    }

    /// <summary>IsNaN, IsInf: a bool per element of a float input.</summary>
    public static void FloatTest(ShapeContext ctx)
    {
        ctx.RequireInputShape(0);
        if (!ctx.InputType(0).IsFloat() && ctx.InputType(0) != DataType.Undefined)
            throw ctx.Error($"the input must be a float tensor, not {ctx.InputType(0).Name()}");
        ctx.SetOutput(0, DataType.Bool, ctx.InputShape(0));
    }

    /// <summary>PRelu: the slope broadcasts to X (unidirectionally), the output has X's shape.</summary>
    public static void PRelu(ShapeContext ctx)
    {
        CheckSameType(ctx, 0, 1, allowDifferent: false);
        var x = ctx.RequireInputShape(0);
        var slope = ctx.RequireInputShape(1);
        if (x is { IsStatic: true } && slope is { IsStatic: true } && !Broadcasting.Shape(ctx, x, slope)!.Equals(x))
            throw ctx.Error($"slope {slope} does not broadcast to the input {x}");
        ctx.SetOutput(0, ctx.InputType(0), x);
    }

    /// <summary>Max, Min, Sum, Mean: one or more inputs of one type, broadcast together.</summary>
    public static void Variadic(ShapeContext ctx)
    {
        if (ctx.InputCount == 0) throw ctx.Error("needs at least one input");
        for (int i = 1; i < ctx.InputCount; i++) CheckSameType(ctx, 0, i, allowDifferent: false);
        if (ctx.Node.OpType is "Sum" or "Mean" && ctx.InputType(0) is not (DataType.Float32 or DataType.Float16 or DataType.Float64 or DataType.Undefined))
            throw ctx.Error($"{ctx.Node.OpType} takes float tensors, not {ctx.InputType(0).Name()}");
        var shapes = Enumerable.Range(0, ctx.InputCount).Select(ctx.RequireInputShape).ToArray();
        ctx.SetOutput(0, ctx.InputType(0), Broadcasting.Shape(ctx, shapes));
    }

    /// <summary>Mod: integer or float operands of one type; floats need <c>fmod</c> = 1 (C's fmod).</summary>
    public static void Mod(ShapeContext ctx)
    {
        CheckSameType(ctx, 0, 1, allowDifferent: false);
        long fmod = ctx.Node.GetInt("fmod", 0);
        if (fmod is not (0 or 1)) throw ctx.Error($"fmod must be 0 or 1, not {fmod}");
        if (fmod == 0 && ctx.InputType(0).IsFloat()) throw ctx.Error("Mod of float tensors needs fmod=1");
        ctx.SetOutput(0, ctx.InputType(0), Broadcasting.Shape(ctx, ctx.RequireInputShape(0), ctx.RequireInputShape(1)));
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
