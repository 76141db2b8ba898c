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

/// <summary>
/// A backend whose kernels for some layers read and write channels-last (NHWC) activations.
/// The builder gives those layers that layout (<c>Passes/NhwcLayoutPass</c>), with transforms
/// only where a layer that wants NHWC meets one that does not.
/// </summary>
public interface IChannelsLastBackend
{
    /// <summary>Whether this backend runs <paramref name="node"/> (a QConv with inferred shapes) faster channels-last.</summary>
    bool WantsNhwc(Node node);
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

/// <summary>
/// Where the current context's memory lives and which threads may help. For a GPU backend the
/// arena is device memory and <see cref="Stream"/> the stream the layer enqueues its work on.
/// </summary>
public readonly unsafe struct ExecutionState(byte* arena, WorkerPool pool, nint stream = 0)
{
    public byte* Arena { get; } = arena;
    public WorkerPool Pool { get; } = pool;
    public nint Stream { get; } = stream;
}

/// <summary>
/// A backend whose layers run on another device (a GPU): each execution context gets device
/// memory and a stream from it, and the host arena becomes the staging area for inputs and outputs.
/// </summary>
public interface IDeviceBackend : IBackend
{
    IDeviceExecution CreateExecution(InferenceEngine engine);
}

/// <summary>One context's device side: inputs go up from <see cref="HostArena"/>, outputs come back to it.</summary>
public unsafe interface IDeviceExecution : IDisposable
{
    /// <summary>Host memory laid out like the plan's arena; inputs are written and outputs read here.</summary>
    byte* HostArena { get; }

    /// <summary>Uploads the inputs, runs every layer, downloads the outputs and waits. With <paramref name="layerTicks"/>, adds each layer's device time to it.</summary>
    void Execute(long[]? layerTicks, CancellationToken cancellationToken);

    /// <summary>Runs layer by layer; before each callback the layer's outputs are copied to the host arena.</summary>
    void ExecuteObserved(Action<int> afterLayer, CancellationToken cancellationToken);
}

/// <summary>A backend whose compiled kernels can travel inside the engine file, so loading it compiles nothing.</summary>
public interface IKernelBinaryStore
{
    /// <summary>The compiled kernels <paramref name="engine"/>'s layers use, by cache key.</summary>
    IReadOnlyDictionary<string, byte[]> ExportKernels(InferenceEngine engine);

    /// <summary>Makes kernels read from an engine file available before its layers are compiled.</summary>
    void ImportKernels(IReadOnlyDictionary<string, byte[]> binaries);
}

/// <summary>A backend that times a layer itself (on its device), for the autotuner.</summary>
public interface ILayerTimer
{
    /// <summary>Median seconds of one run of <paramref name="placed"/> (tensors placed in a scratch arena of <paramref name="arenaBytes"/>).</summary>
    double TimeLayer(LayerSpec placed, long arenaBytes, Tactic tactic, int runs);

    /// <summary>How many of a layer's tactics are worth timing.</summary>
    int MaxTacticsTimed { get; }
}

/// <summary>A backend that knows its device's peak arithmetic rate, so a profile can say how close each layer gets.</summary>
public interface IPeakRate
{
    /// <summary>Dense peak operations per second for the arithmetic <paramref name="node"/> runs on (null: unknown).</summary>
    double? PeakOperationsPerSecond(Node node);

    /// <summary>What the peak is of, e.g. "INT8 tensor cores, 132 SMs at 1980 MHz".</summary>
    string? DescribePeak(Node node);
}
