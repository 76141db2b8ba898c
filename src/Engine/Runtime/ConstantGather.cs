using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Runtime;

/// <summary>
/// A Gather whose indices are a constant integer tensor in range, from an activation: seen as
/// [Outer, Dim, Inner] along the axis, output row o is the slices Indices[0..] of input row o
/// (an attention block's Q/K/V split, a class token's features). Indices are normalized to
/// [0, Dim). The backends' gather layers take exactly these.
/// </summary>
public sealed record ConstantGather(long Outer, long Dim, long Inner, long[] Indices)
{
    public static ConstantGather? Of(LayerSpec spec)
    {
        if (spec.Node.Domain != "" || spec.Node.OpType != "Gather") return null;
        var x = spec.Input(0);
        if (x.IsConstant || spec.Input(1).Constant is not { Type: DataType.Int64 or DataType.Int32 } indices) return null;
        int rank = x.Shape.Length, axis = (int)spec.Node.GetInt("axis", 0);
        if (axis < 0) axis += rank;
        if (axis < 0 || axis >= rank) return null;
        long dim = x.Shape[axis];
        long[] raw = indices.Type == DataType.Int64 ? (long[])indices.Data : [.. ((int[])indices.Data).Select(i => (long)i)];
        if (raw.Any(i => i < -dim || i >= dim)) return null;
        return new ConstantGather(x.Shape.Take(axis).Aggregate(1L, (a, d) => a * d), dim,
            x.Shape.Skip(axis + 1).Aggregate(1L, (a, d) => a * d), [.. raw.Select(i => i < 0 ? i + dim : i)]);
    }

    /// <summary>Runs of consecutive indices as (first source slice, slices, first output slice): one copy each.</summary>
    public IReadOnlyList<(long Source, long Count, long Destination)> Runs()
    {
        var runs = new List<(long, long, long)>();
        for (int j = 0; j < Indices.Length;)
        {
            int end = j + 1;
            while (end < Indices.Length && Indices[end] == Indices[end - 1] + 1) end++;
            runs.Add((Indices[j], end - j, j));
            j = end;
        }
        return runs;
    }
}
