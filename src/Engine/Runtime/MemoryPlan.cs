using EdgeAgent.Engine.Graph;

namespace EdgeAgent.Engine.Runtime;

/// <summary>
/// Where every activation lives in one arena: a byte offset per value, a scratch offset per
/// layer, the arena size, and what the plan saved (the sum of all activations' sizes).
/// </summary>
public sealed class MemoryPlan
{
    public const int Alignment = 64;

    internal MemoryPlan(Dictionary<Value, long> offsets, long[] workspaceOffsets, long arenaBytes, long activationBytes, int buffers)
    {
        Offsets = offsets;
        WorkspaceOffsets = workspaceOffsets;
        ArenaBytes = arenaBytes;
        ActivationBytes = activationBytes;
        BufferCount = buffers;
    }

    public IReadOnlyDictionary<Value, long> Offsets { get; }
    /// <summary>Per layer (in execution order), the workspace offset, or -1 when it needs none.</summary>
    public IReadOnlyList<long> WorkspaceOffsets { get; }
    public long ArenaBytes { get; }
    /// <summary>What the activations would take if each had its own buffer (workspaces included).</summary>
    public long ActivationBytes { get; }
    /// <summary>Distinct buffers placed (after views, in-place reuse and concat slices were merged).</summary>
    public int BufferCount { get; }

    public long OffsetOf(Value value) => Offsets[value];

    public override string ToString() =>
        $"arena {ArenaBytes / 1048576.0:F2} MiB for {ActivationBytes / 1048576.0:F2} MiB of activations in {BufferCount} buffers";
}
