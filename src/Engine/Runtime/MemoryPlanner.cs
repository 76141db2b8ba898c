using EdgeAgent.Engine.Graph;

namespace EdgeAgent.Engine.Runtime;

/// <summary>
/// Assigns activations to offsets in one arena by liveness. Values that share memory are
/// merged into one buffer first: a view (Reshape and friends) shares its input; an op the
/// backend can run in place shares an input that dies there; a Concat input planned in place
/// (<see cref="Value.Placement"/>) is a slice of the Concat's output. Buffers are then placed
/// largest first, each in the best-fitting gap among buffers whose lifetimes overlap.
/// </summary>
public static class MemoryPlanner
{
    private sealed class Buffer(long bytes, int start, int end)
    {
        public long Bytes = bytes;
        public int Start = start;
        public int End = end;
        public long Offset = -1;
    }

    /// <param name="order">Nodes in execution order.</param>
    /// <param name="workspaceBytes">Scratch bytes per node, in the same order.</param>
    public static MemoryPlan Plan(ModelGraph graph, IReadOnlyList<Node> order, IReadOnlyList<long> workspaceBytes, IBackend backend)
    {
        int finalStep = order.Count;
        var defined = new Dictionary<Value, int>();
        var lastUse = new Dictionary<Value, int>();
        foreach (var input in graph.Inputs) defined[input] = -1;
        for (int step = 0; step < order.Count; step++)
        {
            foreach (var v in order[step].Inputs)
                if (v is not null && !IsConstant(v)) lastUse[v] = step;
            foreach (var v in order[step].Outputs) defined[v] = step;
        }
        foreach (var output in graph.Outputs) lastUse[output] = finalStep;

        // Each value maps to a root value and a byte offset inside the root's buffer.
        var alias = new Dictionary<Value, (Value Root, long Offset)>();
        (Value Root, long Offset) Resolve(Value v) => alias.TryGetValue(v, out var a) ? (Resolve(a.Root).Root, Resolve(a.Root).Offset + a.Offset) : (v, 0);

        foreach (var v in defined.Keys)
            if (v.Placement is { } p && !IsConstant(p.Target))
                alias[v] = (p.Target, p.Offset * (Bytes(p.Target) / p.Target.Shape![p.Axis].Value!.Value));

        for (int step = 0; step < order.Count; step++)
        {
            var node = order[step];
            if (node.Outputs.Count != 1 || alias.ContainsKey(node.Outputs[0])) continue;
            var output = node.Outputs[0];
            if (backend.IsView(node) && node.Input(0) is { } source && !IsConstant(source) && Bytes(source) == Bytes(output))
            {
                alias[output] = (source, 0);
                continue;
            }
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                if (node.Inputs[i] is not { } input || IsConstant(input) || !backend.CanRunInPlace(node, i)) continue;
                if (Bytes(input) != Bytes(output) || output.IsGraphOutput) continue;
                var (root, offset) = Resolve(input);
                if (root.IsGraphOutput || root.IsGraphInput || LastUseOfRoot(root) > step) continue;
                alias[output] = (input, 0);
                break;
            }
        }

        int LastUseOfRoot(Value root) =>
            defined.Keys.Where(v => Resolve(v).Root == root).Select(v => lastUse.GetValueOrDefault(v, defined[v])).DefaultIfEmpty(-1).Max();

        var buffers = new Dictionary<Value, Buffer>();
        long activationBytes = 0;
        foreach (var (v, def) in defined)
        {
            long bytes = Bytes(v);
            // Views re-label their input's bytes; everything else would own a buffer without a plan.
            if (!(v.Producer is { } producer && backend.IsView(producer))) activationBytes += bytes;
            var (root, _) = Resolve(v);
            int end = lastUse.GetValueOrDefault(v, def);
            if (!buffers.TryGetValue(root, out var buffer)) buffers[root] = buffer = new Buffer(Bytes(root), def, end);
            buffer.Start = Math.Min(buffer.Start, def);
            buffer.End = Math.Max(buffer.End, end);
        }
        var workspaces = new Buffer?[order.Count];
        for (int step = 0; step < order.Count; step++)
            if (workspaceBytes[step] > 0)
            {
                workspaces[step] = new Buffer(workspaceBytes[step], step, step);
                activationBytes += workspaceBytes[step];
            }

        var all = buffers.Values.Concat(workspaces.OfType<Buffer>()).OrderByDescending(b => b.Bytes).ThenBy(b => b.Start).ToList();
        long arena = 0;
        var placed = new List<Buffer>();
        foreach (var buffer in all)
        {
            buffer.Offset = BestFit(buffer, placed);
            placed.Add(buffer);
            arena = Math.Max(arena, buffer.Offset + Align(buffer.Bytes));
        }

        var offsets = defined.Keys.ToDictionary(v => v, v => { var (root, offset) = Resolve(v); return buffers[root].Offset + offset; });
        var workspaceOffsets = workspaces.Select(w => w?.Offset ?? -1).ToArray();
        return new MemoryPlan(offsets, workspaceOffsets, arena, activationBytes, all.Count);
    }

    /// <summary>The lowest offset in the smallest gap that fits, among buffers alive at the same time.</summary>
    private static long BestFit(Buffer buffer, List<Buffer> placed)
    {
        var busy = placed.Where(p => p.Start <= buffer.End && buffer.Start <= p.End).OrderBy(p => p.Offset).ToList();
        long size = Align(buffer.Bytes), cursor = 0, best = -1, bestGap = long.MaxValue;
        foreach (var p in busy)
        {
            long gap = p.Offset - cursor;
            if (gap >= size && gap < bestGap) { best = cursor; bestGap = gap; }
            cursor = Math.Max(cursor, p.Offset + Align(p.Bytes));
        }
        return best >= 0 ? best : cursor;
    }

    private static bool IsConstant(Value v) => v.IsInitializer || (v.Constant is not null && v.Producer is null);

    private static long Align(long bytes) => (bytes + MemoryPlan.Alignment - 1) / MemoryPlan.Alignment * MemoryPlan.Alignment;

    internal static long Bytes(Value v)
    {
        if (v.Shape is not { IsStatic: true } shape)
            throw new InvalidOperationException($"value '{v.Name}' has no static shape ({v.Shape?.ToString() ?? "unknown"}); choose input shapes first");
        return shape.ElementCount!.Value * Math.Max(1, Tensors.DataTypeInfo.SizeOf(v.Type));
    }
}
