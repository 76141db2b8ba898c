using EdgeAgent.Engine.Graph;

namespace EdgeAgent.Engine.Runtime;

/// <summary>
/// What the runtime needs from a backend: which ops it runs, the implementations (tactics) it
/// offers for a layer, how much scratch memory a tactic needs, and how to compile a layer
/// once its tensors have places in the arena. Adding a backend touches nothing above Backends/.
/// </summary>
public interface IBackend
{
    /// <summary>Short name used on the command line and in engine files: cpu, cuda, reference.</summary>
    string Name { get; }

    /// <summary>The device this backend compiles for; engines record it and refuse to load elsewhere.</summary>
    DeviceFingerprint Fingerprint { get; }

    /// <summary>Most threads one execution context may use with engines compiled here.</summary>
    int MaxThreads { get; }

    bool Supports(Node node);

    /// <summary>Implementations of this layer, fastest-first when the backend can tell; never empty for a supported node.</summary>
    IReadOnlyList<Tactic> Tactics(LayerSpec layer);

    /// <summary>Scratch bytes the tactic needs while the layer runs (reserved in the arena).</summary>
    long WorkspaceBytes(LayerSpec layer, Tactic tactic);

    /// <summary>True when output 0 may share input <paramref name="input"/>'s memory (the kernel reads each element before writing it).</summary>
    bool CanRunInPlace(Node node, int input);

    /// <summary>True when output 0 is input 0's memory reinterpreted (Reshape and friends): no work at all.</summary>
    bool IsView(Node node);

    ICompiledLayer Compile(LayerSpec layer, Tactic tactic);
}

/// <summary>One implementation choice for a layer, with its tuning parameters.</summary>
public sealed record Tactic(string Name, IReadOnlyDictionary<string, int> Parameters)
{
    public static Tactic Default(string name) => new(name, new Dictionary<string, int>());

    public int Get(string parameter, int fallback) => Parameters.TryGetValue(parameter, out int v) ? v : fallback;

    public override string ToString() =>
        Parameters.Count == 0 ? Name : $"{Name}({string.Join(",", Parameters.Select(p => $"{p.Key}={p.Value}"))})";
}

/// <summary>A compiled layer: runs its node on the tensors the memory plan placed for it. Must not allocate.</summary>
public interface ICompiledLayer
{
    void Execute(in ExecutionState state);
}

/// <summary>Where the current context's memory lives and which threads may help.</summary>
public readonly unsafe struct ExecutionState(byte* arena, WorkerPool pool)
{
    public byte* Arena { get; } = arena;
    public WorkerPool Pool { get; } = pool;
}
