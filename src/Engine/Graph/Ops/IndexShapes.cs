using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Graph.Ops;

/// <summary>Shape rules of ops that read or write elements through index tensors: gathers, scatters, OneHot, TopK.</summary>
internal static class IndexShapes
{
    public static void GatherElements(ShapeContext ctx)
    {
        var data = ctx.RequireInputShape(0);
        var indices = ctx.RequireInputShape(1);
        RequireIndices(ctx, 1);
        if (data is not null && indices is not null)
        {
            if (data.Rank != indices.Rank) throw ctx.Error($"data {data} and indices {indices} must have the same rank");
            ctx.NormalizeAxis(ctx.Node.GetInt("axis", 0), data.Rank);
        }
        ctx.SetOutput(0, ctx.InputType(0), indices);
    }

    /// <summary>GatherND: indices[..., k] address the first batch_dims + k axes of data; the rest are copied.</summary>
    public static void GatherND(ShapeContext ctx)
    {
        var data = ctx.RequireInputShape(0);
        var indices = ctx.RequireInputShape(1);
        RequireIndices(ctx, 1);
        if (data is null || indices is null) { ctx.SetOutput(0, ctx.InputType(0), null); return; }
        int batch = CheckTupleIndices(ctx, data, indices);
        if (!indices[indices.Rank - 1].IsKnown) { ctx.SetOutput(0, ctx.InputType(0), null); return; }
        int k = (int)indices[indices.Rank - 1].Value!.Value;
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape(indices.Dims.Take(indices.Rank - 1).Concat(data.Dims.Skip(batch + k))));
    }

    public static void ScatterElements(ShapeContext ctx)
    {
        var data = ctx.RequireInputShape(0);
        var indices = ctx.RequireInputShape(1);
        var updates = ctx.RequireInputShape(2);
        RequireIndices(ctx, 1);
        CheckReduction(ctx);
        if (ctx.InputType(2) != ctx.InputType(0)) throw ctx.Error($"updates are {ctx.InputType(2).Name()}, data {ctx.InputType(0).Name()}");
        if (data is not null && indices is not null)
        {
            if (data.Rank != indices.Rank) throw ctx.Error($"data {data} and indices {indices} must have the same rank");
            ctx.NormalizeAxis(ctx.Node.GetInt("axis", 0), data.Rank);
        }
        if (indices is { IsStatic: true } && updates is { IsStatic: true } && !indices.Equals(updates))
            throw ctx.Error($"updates {updates} must have the shape of indices {indices}");
        ctx.SetOutput(0, ctx.InputType(0), data);
    }

    public static void ScatterND(ShapeContext ctx)
    {
        var data = ctx.RequireInputShape(0);
        var indices = ctx.RequireInputShape(1);
        var updates = ctx.RequireInputShape(2);
        RequireIndices(ctx, 1);
        CheckReduction(ctx);
        if (ctx.InputType(2) != ctx.InputType(0)) throw ctx.Error($"updates are {ctx.InputType(2).Name()}, data {ctx.InputType(0).Name()}");
        if (data is not null && indices is not null && CheckTupleIndices(ctx, data, indices) is var _ && indices[indices.Rank - 1].IsKnown
            && updates is { IsStatic: true } && data.IsStatic && indices.IsStatic)
        {
            int k = (int)indices[indices.Rank - 1].Value!.Value;
            var expected = new TensorShape(indices.Dims.Take(indices.Rank - 1).Concat(data.Dims.Skip(k)));
            if (!expected.Equals(updates)) throw ctx.Error($"updates {updates} must have shape {expected}");
        }
        ctx.SetOutput(0, ctx.InputType(0), data);
    }

    /// <summary>OneHot: a new axis of size depth (a constant) holding values[1] at each index, values[0] elsewhere.</summary>
    public static void OneHot(ShapeContext ctx)
    {
        var indices = ctx.RequireInputShape(0);
        if (!ctx.HasInput(1) || !ctx.HasInput(2)) throw ctx.Error("needs indices, depth and values");
        if (ctx.InputShape(2) is { IsStatic: true } values && values.ElementCount != 2)
            throw ctx.Error($"values must hold two elements (off, on), not {values}");
        var type = ctx.InputType(2);
        if (indices is null) { ctx.SetOutput(0, type, null); return; }
        int axis = ctx.NormalizeAxis(ctx.Node.GetInt("axis", -1), indices.Rank + 1);
        Dim depth = Dim.Unknown;
        if (ctx.InputConstant(1) is { } d)
        {
            if (d.Length != 1) throw ctx.Error($"depth must hold one value, not {d}");
            long n = d.Type.IsFloat() ? (long)d.ToFloats()[0] : d.ToLongs()[0];
            if (n < 1) throw ctx.Error($"depth must be positive, not {n}");
            depth = n;
        }
        var dims = indices.Dims.ToList();
        dims.Insert(axis, depth);
        ctx.SetOutput(0, type, new TensorShape(dims));
    }

    /// <summary>TopK: Values and int64 Indices with K (a constant) elements along axis.</summary>
    public static void TopK(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (!ctx.HasInput(1)) throw ctx.Error("input 1 (K) is required");
        if (x is null) { ctx.SetOutput(0, ctx.InputType(0), null); ctx.SetOutput(1, DataType.Int64, null); return; }
        int axis = ctx.NormalizeAxis(ctx.Node.GetInt("axis", -1), x.Rank);
        var dims = x.Dims.ToArray();
        if (ctx.ConstantInts(1) is { } k)
        {
            if (k.Length != 1) throw ctx.Error($"K must hold one value, not {k.Length}");
            if (k[0] < 0 || (dims[axis].IsKnown && k[0] > dims[axis].Value))
                throw ctx.Error($"K {k[0]} is out of range for axis {axis} of size {dims[axis]}");
            dims[axis] = k[0];
        }
        else dims[axis] = Dim.Unknown;
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape(dims));
        ctx.SetOutput(1, DataType.Int64, new TensorShape(dims));
    }

    private static void RequireIndices(ShapeContext ctx, int input)
    {
        if (!ctx.InputType(input).IsInteger() && ctx.InputType(input) != DataType.Undefined)
            throw ctx.Error($"indices must be integers, not {ctx.InputType(input).Name()}");
    }

    /// <summary>Checks GatherND/ScatterND index tuples against data; returns batch_dims (0 for ScatterND).</summary>
    private static int CheckTupleIndices(ShapeContext ctx, TensorShape data, TensorShape indices)
    {
        if (indices.Rank < 1) throw ctx.Error("indices must have rank 1 or more");
        long batch = ctx.Node.OpType == "GatherND" ? ctx.Node.GetInt("batch_dims", 0) : 0;
        if (batch < 0 || batch >= Math.Min(data.Rank, indices.Rank))
            throw ctx.Error($"batch_dims {batch} must be below the ranks of data {data} and indices {indices}");
        for (int i = 0; i < batch; i++)
            if (data[i].IsKnown && indices[i].IsKnown && data[i].Value != indices[i].Value)
                throw ctx.Error($"batch dimension {i} differs: data {data}, indices {indices}");
        if (indices[indices.Rank - 1].IsKnown && (indices[indices.Rank - 1].Value < 1 || indices[indices.Rank - 1].Value + batch > data.Rank))
            throw ctx.Error($"index tuples of {indices[indices.Rank - 1]} elements do not fit data {data} with batch_dims {batch}");
        return (int)batch;
    }

    private static void CheckReduction(ShapeContext ctx)
    {
        string reduction = ctx.Node.GetString("reduction", "none");
        if (reduction is not ("none" or "add" or "mul" or "max" or "min"))
            throw ctx.Error($"reduction must be none, add, mul, max or min, not '{reduction}'");
    }
}
