using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Format;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Onnx.Proto;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Build;

/// <summary>Facts about the model an engine was built from.</summary>
public sealed record ModelIdentity(string Sha256, string Name, string Version, string Producer, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// A built engine in portable form — what the engine file holds and what travels over the air:
/// the optimized graph, the tactic chosen for each layer, the device it is bound to, its
/// optimization profiles and metadata. <see cref="Compile"/> turns it into a runnable
/// <see cref="InferenceEngine"/> for concrete input shapes on this device.
/// </summary>
public sealed class EnginePlan
{
    private readonly byte[] _graph;

    public EnginePlan(byte[] optimizedGraph, IReadOnlyDictionary<string, Tactic> tactics, DeviceFingerprint fingerprint,
        IReadOnlyList<OptimizationProfile> profiles, ModelIdentity model, string precision, string builderVersion)
    {
        _graph = optimizedGraph;
        Tactics = tactics;
        Fingerprint = fingerprint;
        Profiles = profiles;
        Model = model;
        Precision = precision;
        BuilderVersion = builderVersion;
    }

    /// <summary>The optimized graph as ONNX bytes (fused ops in EdgeAgent's domain, shapes recorded).</summary>
    public ReadOnlyMemory<byte> GraphBytes => _graph;
    /// <summary>Chosen tactic per node name.</summary>
    public IReadOnlyDictionary<string, Tactic> Tactics { get; }
    public DeviceFingerprint Fingerprint { get; }
    public IReadOnlyList<OptimizationProfile> Profiles { get; }
    public ModelIdentity Model { get; }
    public string Precision { get; }
    public string BuilderVersion { get; }
    public long CreatedUnixSeconds { get; init; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    public string PreprocessJson { get; init; } = "";
    public string CalibrationTable { get; init; } = "";
    /// <summary>Arena size at the opt shapes, recorded at build time (informational).</summary>
    public MemoryPlan? BuildPlan { get; init; }
    /// <summary>The arena size the engine file records (from <see cref="BuildPlan"/> when it was written).</summary>
    public long RecordedArenaBytes { get; init; }
    /// <summary>Sha256 of the file this plan was read from (its identity), when read from one.</summary>
    public string FileSha256 { get; init; } = "";
    public bool Signed { get; init; }
    /// <summary>Compiled kernels the backend exported at build time (GPU CUBINs by cache key); empty for the CPU.</summary>
    public IReadOnlyDictionary<string, byte[]> KernelBinaries { get; init; } = new Dictionary<string, byte[]>();

    /// <summary>A fresh copy of the optimized graph (each compiled engine owns its own, with concrete shapes).</summary>
    public Model LoadGraph() => OnnxImporter.FromProto(ModelProto.Parser.ParseFrom(_graph), null, Model.Name);

    /// <summary>
    /// Compiles for <paramref name="backend"/> at the given input shapes (the opt shapes of the
    /// first profile, or the model's static shapes, when none are given). Refuses another
    /// device's engine and shapes outside every profile.
    /// </summary>
    public InferenceEngine Compile(IBackend backend, IReadOnlyDictionary<string, int[]>? inputShapes = null)
    {
        if (backend.Fingerprint.DifferenceFrom(Fingerprint) is { } difference)
            throw new EngineFormatException(EngineLoadError.FingerprintMismatch,
                $"engine '{Model.Name}' was built for another device ({difference}); rebuild it here");
        var model = LoadGraph();
        Dictionary<string, TensorShape>? shapes = null;
        if (Profiles.Count > 0)
        {
            var requested = inputShapes ?? Profiles[0].Inputs.ToDictionary(r => r.Input, r => r.Opt);
            if (!Profiles.Any(p => p.Contains(requested)))
                throw new EngineUserException(
                    $"input shapes {string.Join(", ", requested.Select(s => $"{s.Key} {string.Join("x", s.Value)}"))} are outside every optimization profile of this engine ({string.Join(" | ", Profiles)})");
            shapes = requested.ToDictionary(s => s.Key, s => TensorShape.Of(s.Value));
        }
        else if (inputShapes is not null)
        {
            foreach (var (name, shape) in inputShapes)
                if (model.Graph.Inputs.FirstOrDefault(i => i.Name == name)?.Shape is { } declared && !declared.Equals(TensorShape.Of(shape)))
                    throw new EngineUserException($"this engine was built for {name} {declared}; {string.Join("x", shape)} needs an engine built with an optimization profile");
        }
        var evaluator = new ReferenceConstantEvaluator();
        ShapeInference.Run(model, shapes, evaluator);
        // Placements depend on concrete shapes: plan them for these.
        var context = new Passes.PassContext(model, evaluator);
        new Passes.ConcatPlanning().Run(context);
        if (backend is IKernelBinaryStore store && KernelBinaries.Count > 0) store.ImportKernels(KernelBinaries);
        return InferenceEngine.Compile(model, backend, new RecordedTacticSelector(Tactics));
    }
}

/// <summary>Replays the tactics recorded in an engine; a tactic the layer no longer offers falls back to the default.</summary>
public sealed class RecordedTacticSelector(IReadOnlyDictionary<string, Tactic> tactics) : ITacticSelector
{
    public Tactic Choose(IBackend backend, LayerSpec layer, IReadOnlyList<Tactic> offered) =>
        tactics.TryGetValue(layer.Node.Name, out var recorded) && offered.FirstOrDefault(t => t.Name == recorded.Name) is { } match
            ? match : offered[0];
}
