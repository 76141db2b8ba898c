namespace EdgeAgent.Engine.Graph.Ops;

/// <summary>NumPy-style multidirectional broadcasting over possibly symbolic shapes.</summary>
public static class Broadcasting
{
    /// <summary>The broadcast shape, or null when any rank is unknown.</summary>
    public static TensorShape? Shape(ShapeContext ctx, params TensorShape?[] shapes)
    {
        if (shapes.Any(s => s is null)) return null;
        int rank = shapes.Max(s => s!.Rank);
        var dims = new Dim[rank];
        for (int i = 0; i < rank; i++)
        {
            var column = shapes.Select(s => i - (rank - s!.Rank) is var k && k >= 0 ? s[k] : Dim.Known(1)).ToList();
            dims[i] = Combine(ctx, column, shapes!);
        }
        return new TensorShape(dims);
    }

    private static Dim Combine(ShapeContext ctx, List<Dim> column, TensorShape?[] shapes)
    {
        var known = column.Where(d => d.IsKnown && d.Value != 1).Select(d => d.Value!.Value).Distinct().ToList();
        if (known.Count > 1)
            throw ctx.Error($"shapes {string.Join(" and ", shapes.Select(s => s!.ToString()))} cannot broadcast");
        if (known.Count == 1) return Dim.Known(known[0]);
        // Only 1s and symbols remain: the symbol wins (a size-1 runtime value would still be correct).
        var symbolic = column.FirstOrDefault(d => d.IsSymbolic);
        if (symbolic.IsSymbolic) return symbolic;
        return column.All(d => d.IsKnown) ? Dim.Known(1) : Dim.Unknown;
    }

    /// <summary>Element-wise combination of two small value vectors (scalar or same length).</summary>
    public static Dim[]? CombineValues(Dim[]? a, Dim[]? b, Func<Dim, Dim, Dim> op)
    {
        if (a is null || b is null) return null;
        if (a.Length == b.Length) return a.Zip(b, op).ToArray();
        if (a.Length == 1) return b.Select(x => op(a[0], x)).ToArray();
        if (b.Length == 1) return a.Select(x => op(x, b[0])).ToArray();
        return null;
    }
}
