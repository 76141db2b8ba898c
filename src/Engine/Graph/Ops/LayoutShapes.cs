using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Graph.Ops;

/// <summary>Shape rules of ops that move data around: reshape, transpose, slice, concat, gather, resize, ...</summary>
internal static class LayoutShapes
{
    public static void Flatten(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (x is null) { ctx.SetOutput(0, ctx.InputType(0), null); return; }
        long axisAttr = ctx.Node.GetInt("axis", 1);
        int axis = (int)(axisAttr < 0 ? axisAttr + x.Rank : axisAttr);
        if (axis < 0 || axis > x.Rank) throw ctx.Error($"axis {axisAttr} is out of range for rank {x.Rank}");
        Dim outer = x.Dims.Take(axis).Aggregate(Dim.Known(1), (a, b) => a * b);
        Dim inner = x.Dims.Skip(axis).Aggregate(Dim.Known(1), (a, b) => a * b);
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape([outer, inner]));
    }

    public static void Reshape(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        var target = ctx.InputValues(1);
        if (target is null)
        {
            int? rank = ctx.InputShape(1) is { Rank: 1 } s && s[0].IsKnown ? (int)s[0].Value!.Value : null;
            ctx.SetOutput(0, ctx.InputType(0), rank is int r ? new TensorShape(Enumerable.Repeat(Dim.Unknown, r)) : null);
            return;
        }
        bool allowZero = ctx.Node.GetInt("allowzero", 0) != 0;
        var dims = target.ToArray();
        int inferAt = -1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i].IsKnown && dims[i].Value == 0 && !allowZero)
            {
                if (x is null || i >= x.Rank) throw ctx.Error($"target shape [{string.Join(",", target)}] copies dimension {i}, which the input {x} lacks");
                dims[i] = x[i];
            }
            else if (dims[i].IsKnown && dims[i].Value == -1)
            {
                if (inferAt >= 0) throw ctx.Error($"target shape [{string.Join(",", target)}] has more than one -1");
                inferAt = i;
            }
            else if (dims[i].IsKnown && dims[i].Value < -1)
                throw ctx.Error($"target shape [{string.Join(",", target)}] has a negative dimension");
        }
        if (inferAt >= 0) dims[inferAt] = x is null ? Dim.Unknown : InferMissing(ctx, x, dims, inferAt);
        else if (x?.ElementCount is long n && new TensorShape(dims).ElementCount is long m && n != m)
            throw ctx.Error($"cannot reshape {x} ({n} elements) to {new TensorShape(dims)} ({m} elements)");
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape(dims), ctx.InputValues(0) is { } v && dims.Length == 1 ? v : null);
    }

    /// <summary>The -1 dimension: input size over the other target dims, cancelling shared symbols.</summary>
    private static Dim InferMissing(ShapeContext ctx, TensorShape x, Dim[] dims, int inferAt)
    {
        var numerator = x.Dims.ToList();
        var denominator = dims.Where((_, i) => i != inferAt).ToList();
        foreach (var d in denominator.ToList())
        {
            if (d.IsKnown) continue;
            int match = numerator.FindIndex(n => n.SameAs(d));
            if (match < 0) return Dim.Unknown;
            numerator.RemoveAt(match);
            denominator.Remove(d);
        }
        long knownNum = numerator.Where(d => d.IsKnown).Aggregate(1L, (a, d) => a * d.Value!.Value);
        long knownDen = denominator.Aggregate(1L, (a, d) => a * d.Value!.Value);
        var symbols = numerator.Where(d => !d.IsKnown).ToList();
        if (knownDen == 0) throw ctx.Error($"cannot infer -1 in a target shape that has a zero dimension");
        if (symbols.Count == 0)
        {
            if (knownNum % knownDen != 0) throw ctx.Error($"cannot reshape {x} to [{string.Join(",", dims)}]: sizes do not divide");
            return knownNum / knownDen;
        }
        var product = symbols.Aggregate(Dim.Known(1), (a, d) => a * d);
        if (knownNum % knownDen == 0) return product * (knownNum / knownDen);
        return product * knownNum / knownDen;
    }

    public static void Transpose(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (x is null) { ctx.SetOutput(0, ctx.InputType(0), null); return; }
        var perm = ResolvePerm(ctx.Node, x.Rank);
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape(perm.Select(p => x[p])));
    }

    public static int[] ResolvePerm(Node node, int rank)
    {
        var perm = node.GetInts("perm")?.Select(p => (int)p).ToArray() ?? Enumerable.Range(0, rank).Reverse().ToArray();
        if (perm.Length != rank || perm.Distinct().Count() != rank || perm.Any(p => p < 0 || p >= rank))
            throw new ShapeInferenceException($"{node.Describe()}: perm [{string.Join(",", perm)}] is not a permutation of {rank} axes");
        return perm;
    }

    public static void Squeeze(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (x is null) { ctx.SetOutput(0, ctx.InputType(0), null); return; }
        HashSet<int> axes;
        if (ctx.HasInput(1))
        {
            var given = ctx.ConstantInts(1) ?? throw ctx.Error("axes must be constant");
            axes = given.Select(a => ctx.NormalizeAxis(a, x.Rank)).ToHashSet();
            foreach (var a in axes)
                if (x[a].IsKnown && x[a].Value != 1) throw ctx.Error($"cannot squeeze axis {a} of size {x[a]}");
        }
        else axes = Enumerable.Range(0, x.Rank).Where(i => x[i].IsKnown && x[i].Value == 1).ToHashSet();
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape(x.Dims.Where((_, i) => !axes.Contains(i))), ctx.InputValues(0));
    }

    public static void Unsqueeze(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        var given = ctx.ConstantInts(1) ?? throw ctx.Error("axes must be constant");
        if (x is null) { ctx.SetOutput(0, ctx.InputType(0), null); return; }
        int rank = x.Rank + given.Length;
        var axes = given.Select(a => ctx.NormalizeAxis(a, rank)).ToHashSet();
        if (axes.Count != given.Length) throw ctx.Error("axes repeat");
        var dims = new List<Dim>();
        int next = 0;
        for (int i = 0; i < rank; i++) dims.Add(axes.Contains(i) ? 1 : x[next++]);
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape(dims), ctx.InputValues(0));
    }

    public static void Concat(ShapeContext ctx)
    {
        var shapes = Enumerable.Range(0, ctx.InputCount).Select(ctx.RequireInputShape).ToList();
        var type = ctx.InputType(0);
        for (int i = 1; i < ctx.InputCount; i++)
            if (ctx.InputType(i) != type) throw ctx.Error($"input types differ: {type.Name()} and {ctx.InputType(i).Name()}");
        if (shapes.Any(s => s is null)) { ctx.SetOutput(0, type, null); return; }
        int rank = shapes[0]!.Rank;
        int axis = ctx.NormalizeAxis(ctx.Node.GetInt("axis", 0), rank);
        var dims = shapes[0]!.Dims.ToArray();
        foreach (var s in shapes.Skip(1))
        {
            if (s!.Rank != rank) throw ctx.Error($"inputs have different ranks: {shapes[0]} and {s}");
            for (int i = 0; i < rank; i++)
            {
                if (i == axis) dims[i] = dims[i] + s[i];
                else if (dims[i].IsKnown && s[i].IsKnown && dims[i].Value != s[i].Value)
                    throw ctx.Error($"inputs {shapes[0]} and {s} differ outside axis {axis}");
                else if (!dims[i].IsKnown) dims[i] = s[i].IsKnown ? s[i] : dims[i];
            }
        }
        Dim[]? values = null;
        var parts = Enumerable.Range(0, ctx.InputCount).Select(ctx.InputValues).ToList();
        if (rank == 1 && parts.All(p => p is not null)) values = parts.SelectMany(p => p!).ToArray();
        ctx.SetOutput(0, type, new TensorShape(dims), values);
    }

    public static void Split(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        int outputs = ctx.Node.Outputs.Count;
        if (x is null) { for (int i = 0; i < outputs; i++) ctx.SetOutput(i, ctx.InputType(0), null); return; }
        int axis = ctx.NormalizeAxis(ctx.Node.GetInt("axis", 0), x.Rank);
        var sizes = SplitSizes(ctx, x[axis], outputs);
        for (int i = 0; i < outputs; i++)
        {
            var dims = x.Dims.ToArray();
            dims[axis] = sizes?[i] ?? Dim.Unknown;
            ctx.SetOutput(i, ctx.InputType(0), new TensorShape(dims));
        }
    }

    private static Dim[]? SplitSizes(ShapeContext ctx, Dim total, int outputs)
    {
        if (ctx.HasInput(1))
        {
            var split = ctx.ConstantInts(1) ?? throw ctx.Error("split sizes must be constant");
            if (split.Length != outputs) throw ctx.Error($"{split.Length} split sizes for {outputs} outputs");
            if (total.IsKnown && split.Sum() != total.Value) throw ctx.Error($"split sizes [{string.Join(",", split)}] do not add up to {total}");
            return split.Select(s => Dim.Known(s)).ToArray();
        }
        if (!total.IsKnown) return null;
        long n = total.Value!.Value, chunk = (n + outputs - 1) / outputs;
        return Enumerable.Range(0, outputs).Select(i => Dim.Known(Math.Max(0, Math.Min(chunk, n - i * chunk)))).ToArray();
    }

    public static void Slice(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        var starts = ctx.ConstantInts(1);
        var ends = ctx.ConstantInts(2);
        if (x is null || starts is null || ends is null)
        {
            ctx.SetOutput(0, ctx.InputType(0), x is null ? null : new TensorShape(Enumerable.Repeat(Dim.Unknown, x.Rank)));
            return;
        }
        var axes = ctx.HasInput(3) ? ctx.ConstantInts(3) ?? throw ctx.Error("axes must be constant") : Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        var steps = ctx.HasInput(4) ? ctx.ConstantInts(4) ?? throw ctx.Error("steps must be constant") : Enumerable.Repeat(1L, starts.Length).ToArray();
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            throw ctx.Error("starts, ends, axes and steps must have the same length");
        var dims = x.Dims.ToArray();
        var values = ctx.InputValues(0);
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = ctx.NormalizeAxis(axes[i], x.Rank);
            if (steps[i] == 0) throw ctx.Error("a slice step cannot be 0");
            if (x[axis].IsKnown)
            {
                var (start, count) = SliceRange(starts[i], ends[i], steps[i], x[axis].Value!.Value);
                dims[axis] = count;
                if (values is not null && x.Rank == 1)
                    values = Enumerable.Range(0, count).Select(k => values[start + k * (int)steps[i]]).ToArray();
            }
            else
            {
                values = null;
                bool whole = steps[i] == 1 && starts[i] == 0 && ends[i] >= int.MaxValue;
                dims[axis] = whole ? x[axis] : Dim.Unknown;
            }
        }
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape(dims), values);
    }

    /// <summary>ONNX Slice clamping for one axis: first index and element count.</summary>
    public static (int Start, int Count) SliceRange(long start, long end, long step, long size)
    {
        if (start < 0) start += size;
        if (end < 0) end += size;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, size);
            end = Math.Clamp(end, 0, size);
            return ((int)start, (int)Math.Max(0, (end - start + step - 1) / step));
        }
        start = Math.Clamp(start, 0, size - 1);
        end = Math.Clamp(end, -1, size - 1);
        return ((int)start, (int)Math.Max(0, (start - end + (-step) - 1) / -step));
    }

    public static void Gather(ShapeContext ctx)
    {
        var data = ctx.RequireInputShape(0);
        var indices = ctx.RequireInputShape(1);
        if (!ctx.InputType(1).IsInteger()) throw ctx.Error($"indices must be integers, not {ctx.InputType(1).Name()}");
        if (data is null || indices is null) { ctx.SetOutput(0, ctx.InputType(0), null); return; }
        int axis = ctx.NormalizeAxis(ctx.Node.GetInt("axis", 0), data.Rank);
        var dims = data.Dims.Take(axis).Concat(indices.Dims).Concat(data.Dims.Skip(axis + 1));
        Dim[]? values = null;
        if (data.Rank == 1 && ctx.InputValues(0) is { } source && ctx.ConstantInts(1) is { } idx)
        {
            if (idx.Any(i => i < -source.Length || i >= source.Length))
                throw ctx.Error($"index out of range for {source.Length} elements");
            values = idx.Select(i => source[i < 0 ? i + source.Length : i]).ToArray();
        }
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape(dims), values);
    }

    public static void Expand(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        var target = ctx.InputValues(1);
        if (target is null) { ctx.SetOutput(0, ctx.InputType(0), null); return; }
        ctx.SetOutput(0, ctx.InputType(0), Broadcasting.Shape(ctx, x, new TensorShape(target)));
    }

    public static void Pad(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        var pads = ctx.ConstantInts(1);
        if (x is null || pads is null) { ctx.SetOutput(0, ctx.InputType(0), x is null ? null : new TensorShape(Enumerable.Repeat(Dim.Unknown, x.Rank))); return; }
        var axes = ctx.HasInput(3) ? ctx.ConstantInts(3)!.Select(a => ctx.NormalizeAxis(a, x.Rank)).ToArray() : Enumerable.Range(0, x.Rank).ToArray();
        if (pads.Length != 2 * axes.Length) throw ctx.Error($"{pads.Length} pads for {axes.Length} axes");
        var dims = x.Dims.ToArray();
        for (int i = 0; i < axes.Length; i++) dims[axes[i]] = dims[axes[i]] + (pads[i] + pads[i + axes.Length]);
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape(dims));
    }

    public static void Resize(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (x is null) { ctx.SetOutput(0, ctx.InputType(0), null); return; }
        if (ctx.HasInput(3) && ctx.InputValues(3) is { } sizes)
        {
            if (sizes.Length != x.Rank) throw ctx.Error($"{sizes.Length} sizes for a rank-{x.Rank} input");
            ctx.SetOutput(0, ctx.InputType(0), new TensorShape(sizes));
            return;
        }
        if (ctx.HasInput(2) && ctx.InputConstant(2) is { Length: > 0 } scalesTensor)
        {
            var scales = scalesTensor.ToFloats();
            if (scales.Length != x.Rank) throw ctx.Error($"{scales.Length} scales for a rank-{x.Rank} input");
            var dims = x.Dims.Select((d, i) =>
                d.IsKnown ? Dim.Known((long)Math.Floor(d.Value!.Value * (double)scales[i]))
                : scales[i] == MathF.Round(scales[i]) ? d * (long)scales[i] : Dim.Unknown);
            ctx.SetOutput(0, ctx.InputType(0), new TensorShape(dims));
            return;
        }
        if (!ctx.HasInput(2) && !ctx.HasInput(3)) throw ctx.Error("needs scales or sizes");
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape(Enumerable.Repeat(Dim.Unknown, x.Rank)));
    }

    public static void Tile(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (!ctx.HasInput(1)) throw ctx.Error("input 1 (repeats) is required");
        var repeats = ctx.InputValues(1);
        if (x is null) { ctx.SetOutput(0, ctx.InputType(0), null); return; }
        if (repeats is null) { ctx.SetOutput(0, ctx.InputType(0), new TensorShape(Enumerable.Repeat(Dim.Unknown, x.Rank))); return; }
        if (repeats.Length != x.Rank) throw ctx.Error($"{repeats.Length} repeats for a rank-{x.Rank} input");
        if (repeats.Any(r => r.IsKnown && r.Value < 0)) throw ctx.Error($"repeats [{string.Join(",", repeats)}] has a negative count");
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape(x.Dims.Select((d, i) => d * repeats[i])));
    }

    /// <summary>DepthToSpace: [N, C, H, W] to [N, C/b², H·b, W·b]; mode DCR or CRD.</summary>
    public static void DepthToSpace(ShapeContext ctx)
    {
        string mode = ctx.Node.GetString("mode", "DCR");
        if (mode is not ("DCR" or "CRD")) throw ctx.Error($"mode must be DCR or CRD, not '{mode}'");
        var (x, b) = BlockInput(ctx);
        if (x is null) return;
        if (x[1].IsKnown && x[1].Value % (b * b) != 0) throw ctx.Error($"{x[1]} channels are not divisible by blocksize² {b * b}");
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape([x[0], x[1] / (b * b), x[2] * b, x[3] * b]));
    }

    /// <summary>SpaceToDepth: [N, C, H, W] to [N, C·b², H/b, W/b].</summary>
    public static void SpaceToDepth(ShapeContext ctx)
    {
        var (x, b) = BlockInput(ctx);
        if (x is null) return;
        for (int i = 2; i < 4; i++)
            if (x[i].IsKnown && x[i].Value % b != 0) throw ctx.Error($"dimension {i} of {x} is not divisible by blocksize {b}");
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape([x[0], x[1] * (b * b), x[2] / b, x[3] / b]));
    }

    private static (TensorShape? X, long BlockSize) BlockInput(ShapeContext ctx)
    {
        long b = ctx.Node.GetInt("blocksize", 0);
        if (b < 1) throw ctx.Error(ctx.Node.HasAttribute("blocksize") ? $"blocksize must be positive, not {b}" : "the blocksize attribute is required");
        var x = ctx.RequireInputShape(0);
        if (x is not null && x.Rank != 4) throw ctx.Error($"needs a 4-D N x C x H x W input, got {x}");
        if (x is null) ctx.SetOutput(0, ctx.InputType(0), null);
        return (x, b);
    }

    /// <summary>Trilu: same shape; the input needs rank 2 or more, k (optional) one integer.</summary>
    public static void Trilu(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (x is not null && x.Rank < 2) throw ctx.Error($"needs rank 2 or more, got {x}");
        if (ctx.HasInput(1) && ctx.ConstantInts(1) is { Length: not 1 } k) throw ctx.Error($"k must hold one value, not {k.Length}");
        ctx.SetOutput(0, ctx.InputType(0), x);
    }

    /// <summary>ReverseSequence: same shape; batch_axis and time_axis are 0 and 1 in either order, sequence_lens one per batch.</summary>
    public static void ReverseSequence(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        var (batch, time) = SequenceAxes(ctx.Node);
        if (x is not null && x.Rank < 2) throw ctx.Error($"needs rank 2 or more, got {x}");
        if (!ctx.HasInput(1)) throw ctx.Error("input 1 (sequence_lens) is required");
        if (x is not null && x[batch].IsKnown && ctx.InputShape(1) is { } lens && lens.ElementCount is long n && n != x[batch].Value)
            throw ctx.Error($"sequence_lens {lens} must hold one length per batch ({x[batch]})");
        ctx.SetOutput(0, ctx.InputType(0), x);
    }

    public static (int Batch, int Time) SequenceAxes(Node node)
    {
        long batch = node.GetInt("batch_axis", 1), time = node.GetInt("time_axis", 0);
        if (batch is not (0 or 1) || time is not (0 or 1) || batch == time)
            throw new ShapeInferenceException($"{node.Describe()}: batch_axis and time_axis must be 0 and 1 in some order, not {batch} and {time}");
        return ((int)batch, (int)time);
    }

    /// <summary>CenterCropPad: the axes (all, or the <c>axes</c> attribute) take the sizes of the shape input.</summary>
    public static void CenterCropPad(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (!ctx.HasInput(1)) throw ctx.Error("input 1 (shape) is required");
        if (x is null) { ctx.SetOutput(0, ctx.InputType(0), null); return; }
        var axes = CropAxes(ctx.Node, x.Rank);
        var sizes = ctx.ConstantInts(1);
        var dims = x.Dims.ToArray();
        if (sizes is not null && sizes.Length != axes.Length) throw ctx.Error($"{sizes.Length} sizes for {axes.Length} axes");
        if (sizes is not null && sizes.Any(s => s < 0)) throw ctx.Error($"shape [{string.Join(",", sizes)}] has a negative size");
        for (int i = 0; i < axes.Length; i++) dims[axes[i]] = sizes is null ? Dim.Unknown : Dim.Known(sizes[i]);
        ctx.SetOutput(0, ctx.InputType(0), new TensorShape(dims));
    }

    public static int[] CropAxes(Node node, int rank)
    {
        var given = node.GetInts("axes");
        if (given is null) return Enumerable.Range(0, rank).ToArray();
        var axes = given.Select(a => a < 0 ? a + rank : a).ToArray();
        if (axes.Any(a => a < 0 || a >= rank) || axes.Distinct().Count() != axes.Length)
            throw new ShapeInferenceException($"{node.Describe()}: axes [{string.Join(",", given)}] are not distinct axes of rank {rank}");
        return axes.Select(a => (int)a).ToArray();
    }
}
