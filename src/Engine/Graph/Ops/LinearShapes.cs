using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Graph.Ops;

/// <summary>Shape rules of matrix products, convolutions, pooling and reductions.</summary>
internal static class LinearShapes
{
    public static void MatMul(ShapeContext ctx)
    {
        var a = ctx.RequireInputShape(0);
        var b = ctx.RequireInputShape(1);
        if (a is null || b is null) { ctx.SetOutput(0, ctx.InputType(0), null); return; }
        if (a.Rank == 0 || b.Rank == 0) throw ctx.Error("MatMul inputs must have rank 1 or more");
        var ad = a.Dims.ToList();
        var bd = b.Dims.ToList();
        if (ad.Count == 1) ad.Insert(0, 1);
        if (bd.Count == 1) bd.Add(1);
        CheckInner(ctx, ad[^1], bd[^2], a, b);
        var batch = Broadcasting.Shape(ctx, new TensorShape(ad.SkipLast(2)), new TensorShape(bd.SkipLast(2)))!;
        var dims = batch.Dims.ToList();
        if (a.Rank > 1) dims.Add(ad[^2]);
        if (b.Rank > 1) dims.Add(bd[^1]);
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape(dims));
    }

    public static void Gemm(ShapeContext ctx)
    {
        var a = ctx.RequireInputShape(0);
        var b = ctx.RequireInputShape(1);
        if (a is null || b is null) { ctx.SetOutput(0, ctx.InputType(0), null); return; }
        if (a.Rank != 2 || b.Rank != 2) throw ctx.Error($"Gemm needs 2-D inputs, got {a} and {b}");
        bool ta = ctx.Node.GetInt("transA", 0) != 0, tb = ctx.Node.GetInt("transB", 0) != 0;
        Dim m = ta ? a[1] : a[0], k = ta ? a[0] : a[1], kb = tb ? b[1] : b[0], n = tb ? b[0] : b[1];
        CheckInner(ctx, k, kb, a, b);
        var shape = new TensorShape([m, n]);
        if (ctx.HasInput(2)) Broadcasting.Shape(ctx, shape, ctx.InputShape(2));
        ctx.SetOutput(0, ctx.InputType(0), shape);
    }

    private static void CheckInner(ShapeContext ctx, Dim k1, Dim k2, TensorShape a, TensorShape b)
    {
        if (k1.IsKnown && k2.IsKnown && k1.Value != k2.Value)
            throw ctx.Error($"inner dimensions differ: {a} times {b}");
    }

    public static void Conv(ShapeContext ctx) => ctx.SetOutput(0, ctx.InputType(0), ConvOutput(ctx, ctx.RequireInputShape(0), ctx.RequireInputShape(1)));

    /// <summary>The output shape of a convolution of an NCHW-ordered input <paramref name="x"/> by weights <paramref name="w"/>; null when either is unknown.</summary>
    internal static TensorShape? ConvOutput(ShapeContext ctx, TensorShape? x, TensorShape? w)
    {
        if (x is null || w is null) return null;
        if (x.Rank < 3 || w.Rank != x.Rank) throw ctx.Error($"input {x} and weights {w} do not fit a convolution");
        long group = ctx.Node.GetInt("group", 1);
        if (x[1].IsKnown && w[1].IsKnown && x[1].Value != w[1].Value * group)
            throw ctx.Error($"input has {x[1]} channels but weights {w} with group {group} expect {w[1].Value * group}");
        if (w[0].IsKnown && w[0].Value % group != 0) throw ctx.Error($"{w[0]} output channels are not divisible by group {group}");
        var window = WindowAttributes.Parse(ctx.Node, x.Rank - 2, w.Dims.Skip(2).Select(d => (int)(d.Value ?? 1)).ToArray());
        var dims = new List<Dim> { x[0], w[0] };
        for (int i = 0; i < window.SpatialRank; i++) dims.Add(window.OutputDim(i, x[i + 2]));
        return new TensorShape(dims);
    }

    public static void ConvTranspose(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        var w = ctx.RequireInputShape(1);
        if (x is null || w is null) { ctx.SetOutput(0, ctx.InputType(0), null); return; }
        if (x.Rank < 3 || w.Rank != x.Rank) throw ctx.Error($"input {x} and weights {w} do not fit a transposed convolution");
        long group = ctx.Node.GetInt("group", 1);
        var window = WindowAttributes.Parse(ctx.Node, x.Rank - 2, w.Dims.Skip(2).Select(d => (int)(d.Value ?? 1)).ToArray());
        var dims = new List<Dim> { x[0], w[1] * group };
        var outputShape = ctx.Node.GetInts("output_shape");
        var outputPadding = ctx.Node.GetInts("output_padding") ?? new long[window.SpatialRank];
        for (int i = 0; i < window.SpatialRank; i++)
        {
            if (outputShape is { Length: > 0 }) { dims.Add(outputShape[^(window.SpatialRank - i)]); continue; }
            dims.Add(ConvTransposeSize(window, i, x[i + 2], outputPadding.Length > i ? outputPadding[i] : 0));
        }
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape(dims));
    }

    /// <summary>stride*(in-1) + output_padding + effective kernel - pads.</summary>
    public static Dim ConvTransposeSize(WindowAttributes w, int axis, Dim input, long outputPadding)
    {
        if (w.AutoPad is "SAME_UPPER" or "SAME_LOWER") return input * w.Strides[axis];
        return (input - 1) * w.Strides[axis] + (outputPadding + w.EffectiveKernel(axis) - w.PadsBegin[axis] - w.PadsEnd[axis]);
    }

    public static void Pool(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (x is null) { ctx.SetOutput(0, ctx.InputType(0), null); return; }
        if (x.Rank < 3) throw ctx.Error($"pooling needs an N x C x spatial input, got {x}");
        var window = WindowAttributes.Parse(ctx.Node, x.Rank - 2, null);
        var dims = new List<Dim> { x[0], x[1] };
        for (int i = 0; i < window.SpatialRank; i++) dims.Add(window.OutputDim(i, x[i + 2]));
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape(dims));
        if (ctx.Node.Outputs.Count > 1) throw ctx.Error("the Indices output of MaxPool is not supported");
    }

    public static void GlobalPool(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (x is null) { ctx.SetOutput(0, ctx.InputType(0), null); return; }
        if (x.Rank < 3) throw ctx.Error($"global pooling needs an N x C x spatial input, got {x}");
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape(x.Dims.Take(2).Concat(Enumerable.Repeat(Dim.Known(1), x.Rank - 2))));
    }

    public static void Reduce(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (x is null) { ctx.SetOutput(0, ctx.InputType(0), null); return; }
        bool keep = ctx.Node.GetInt("keepdims", 1) != 0;
        var axes = ResolveReduceAxes(ctx, x.Rank);
        if (axes is null) { ctx.SetOutput(0, ctx.InputType(0), keep ? new TensorShape(Enumerable.Repeat(Dim.Unknown, x.Rank)) : null); return; }
        var dims = new List<Dim>();
        for (int i = 0; i < x.Rank; i++)
        {
            if (!axes.Contains(i)) dims.Add(x[i]);
            else if (keep) dims.Add(1);
        }
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape(dims));
    }

    /// <summary>ArgMax, ArgMin: int64 indices, the axis removed (or kept as 1 with keepdims).</summary>
    public static void ArgReduce(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (x is null) { ctx.SetOutput(0, DataType.Int64, null); return; }
        int axis = ctx.NormalizeAxis(ctx.Node.GetInt("axis", 0), x.Rank);
        bool keep = ctx.Node.GetInt("keepdims", 1) != 0;
        var dims = keep ? x.Dims.Select((d, i) => i == axis ? Dim.Known(1) : d) : x.Dims.Where((_, i) => i != axis);
        ctx.SetOutput(0, DataType.Int64, new TensorShape(dims));
    }

    /// <summary>Normalized reduce axes; all axes when none are given; null when not constant.</summary>
    public static HashSet<int>? ResolveReduceAxes(ShapeContext ctx, int rank)
    {
        if (ctx.HasInput(1))
        {
            var axes = ctx.ConstantInts(1);
            if (axes is null) return null;
            if (axes.Length > 0) return axes.Select(a => ctx.NormalizeAxis(a, rank)).ToHashSet();
        }
        return ctx.Node.GetInt("noop_with_empty_axes", 0) != 0 ? [] : Enumerable.Range(0, rank).ToHashSet();
    }
}
