using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Build;

/// <summary>
/// Chooses each layer's tactic by measurement: every tactic the backend offers is compiled into
/// a scratch arena holding just that layer's tensors and timed on this device (median of
/// several runs after warm-up); the fastest wins. Results go into the <see cref="TimingCache"/>,
/// so a layer with the same signature on the same device is never timed twice.
/// </summary>
public sealed unsafe class Autotuner(TimingCache cache, int threads, IProgress<BuildProgress>? progress = null, int runs = 5) : ITacticSelector
{
    private const int MaxTacticsTimed = 8;

    public int TimedLayers { get; private set; }
    public int CachedLayers { get; private set; }

    public Tactic Choose(IBackend backend, LayerSpec layer, IReadOnlyList<Tactic> tactics)
    {
        string signature = Signature(layer);
        if (cache.TryGet(backend.Fingerprint, signature, out var cached) && tactics.FirstOrDefault(t => t.Name == cached) is { } hit)
        {
            CachedLayers++;
            return hit;
        }
        int limit = backend is ILayerTimer timer ? timer.MaxTacticsTimed : MaxTacticsTimed;
        progress?.Report(new BuildProgress("autotune", TimedLayers + CachedLayers, 0, $"{layer.Node.OpType} {layer.Node.DisplayName}: timing {Math.Min(tactics.Count, limit)} tactics"));
        Tactic best = tactics[0];
        double bestTime = double.MaxValue;
        foreach (var tactic in tactics.Take(limit))
        {
            double time = Time(backend, layer, tactic);
            if (time < bestTime) (best, bestTime) = (tactic, time);
        }
        cache.Set(backend.Fingerprint, signature, best.Name, bestTime * 1e6);
        TimedLayers++;
        return best;
    }

    /// <summary>Median seconds of one run of the layer with this tactic, on a scratch arena.</summary>
    private double Time(IBackend backend, LayerSpec layer, Tactic tactic)
    {
        long cursor = 0;
        TensorSlot Place(TensorSlot slot)
        {
            if (slot.IsConstant) return slot;
            var placed = slot with { Offset = cursor };
            cursor += (slot.Bytes + 63) / 64 * 64;
            return placed;
        }
        var inputs = layer.Inputs.Select(s => s is null ? null : Place(s)).ToList();
        var outputs = layer.Outputs.Select(Place).ToList();
        long workspace = backend.WorkspaceBytes(layer, tactic);
        var spec = new LayerSpec(layer.Node, inputs, outputs, workspace > 0 ? cursor : TensorSlot.NotPlaced);
        cursor += workspace;
        if (backend is ILayerTimer deviceTimer) return deviceTimer.TimeLayer(spec, cursor, tactic, runs);
        byte* arena = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(64, cursor), 64);
        using var pool = new WorkerPool(Math.Min(threads, backend.MaxThreads));
        try
        {
            var random = new Random(7);
            foreach (var slot in inputs)
                if (slot is { IsConstant: false, Type: DataType.Float32 })
                {
                    var data = new Span<float>(arena + slot.Offset, (int)slot.ElementCount);
                    for (int i = 0; i < data.Length; i++) data[i] = (float)random.NextDouble();
                }
                else if (slot is { IsConstant: false }) new Span<byte>(arena + slot.Offset, (int)slot.Bytes).Clear();
            var compiled = backend.Compile(spec, tactic);
            var state = new ExecutionState(arena, pool);
            compiled.Execute(in state);
            var times = new double[runs];
            for (int r = 0; r < runs; r++)
            {
                long start = Stopwatch.GetTimestamp();
                compiled.Execute(in state);
                times[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            Array.Sort(times);
            return times[runs / 2];
        }
        finally
        {
            NativeMemory.AlignedFree(arena);
        }
    }

    /// <summary>What decides a layer's speed: op, attributes, and the types and shapes it reads and writes.</summary>
    public static string Signature(LayerSpec layer)
    {
        var sb = new StringBuilder(layer.Node.Domain).Append(':').Append(layer.Node.OpType);
        foreach (var a in layer.Node.Attributes.OrderBy(a => a.Name, StringComparer.Ordinal))
            if (a.Kind != Graph.AttributeKind.Tensor) sb.Append(';').Append(a);
        foreach (var i in layer.Inputs)
            sb.Append("|in ").Append(i is null ? "-" : $"{i.Type.Name()}[{Tensor.ShapeText(i.Shape)}]{(i.IsConstant ? "c" : "")}");
        foreach (var o in layer.Outputs) sb.Append("|out ").Append($"{o.Type.Name()}[{Tensor.ShapeText(o.Shape)}]");
        return sb.ToString().Replace('\t', ' ');
    }
}
