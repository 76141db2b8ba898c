using System.Diagnostics;
using System.Security.Cryptography;
using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Passes;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Build;

/// <summary>
/// Turns a model into an engine for this device: import → infer shapes → optimize → choose
/// tactics by measurement (with a timing cache) → plan memory → compile, and the portable
/// <see cref="EnginePlan"/> that the engine file stores.
/// </summary>
public static class EngineBuilder
{
    public static string Version => typeof(EngineBuilder).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <param name="inputShapes">Shapes for inputs with dynamic dimensions, when building without profiles.</param>
    public static BuildResult BuildFile(string modelPath, BuilderConfig config, IReadOnlyDictionary<string, TensorShape>? inputShapes = null,
        CancellationToken cancellationToken = default)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(modelPath); }
        catch (FileNotFoundException) { throw new ModelFormatException($"model file '{modelPath}' not found"); }
        catch (DirectoryNotFoundException) { throw new ModelFormatException($"model file '{modelPath}' not found"); }
        var model = OnnxImporter.FromBytes(bytes, Path.GetDirectoryName(Path.GetFullPath(modelPath)), modelPath);
        var identity = new ModelIdentity(Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(),
            model.Metadata.GetValueOrDefault("name") ?? Path.GetFileNameWithoutExtension(modelPath),
            model.Metadata.GetValueOrDefault("version") ?? model.ModelVersion.ToString(), $"{model.ProducerName} {model.ProducerVersion}".Trim(),
            model.Metadata);
        return Build(model, identity, config, inputShapes, cancellationToken);
    }

    /// <summary>Shorthand for tools and tests: build with default tactics (no timing) and return the compiled engine.</summary>
    public static (InferenceEngine Engine, OptimizationReport? Report) Build(string modelPath, BuilderConfig config,
        IReadOnlyDictionary<string, TensorShape>? inputShapes = null, CancellationToken cancellationToken = default)
    {
        var result = BuildFile(modelPath, config with { Autotune = false }, inputShapes, cancellationToken);
        return (result.Engine, result.Report);
    }

    public static (InferenceEngine Engine, OptimizationReport? Report) Build(Model model, BuilderConfig config,
        IReadOnlyDictionary<string, TensorShape>? inputShapes = null, CancellationToken cancellationToken = default)
    {
        var identity = new ModelIdentity("", model.Graph.Name, model.ModelVersion.ToString(), model.ProducerName, model.Metadata);
        var result = Build(model, identity, config with { Autotune = false }, inputShapes, cancellationToken);
        return (result.Engine, result.Report);
    }

    public static BuildResult Build(Model model, ModelIdentity identity, BuilderConfig config,
        IReadOnlyDictionary<string, TensorShape>? inputShapes = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        // The CUDA backend's storage type is fixed when it is opened; the engine must say the same.
        if (config.Backend is Backends.Cuda.CudaBackend cuda && cuda.Precision != config.Precision)
            throw new EngineUserException($"the cuda backend was opened for {cuda.Precision}, the build asks for {config.Precision}");
        bool int8 = config.Precision is "int8" or "best";
        if (config.Precision != "fp32" && !int8 && config.Backend is not Backends.Cuda.CudaBackend)
            throw new EngineUserException($"precision '{config.Precision}' is not available on the {config.Backend.Name} backend yet; use fp32, int8 or best");
        if (int8 && !config.Optimize) throw new EngineUserException("INT8 builds quantize the optimized graph's fused layers; they cannot run with the optimizer off");
        foreach (var profile in config.Profiles) profile.Validate();
        if (config.Profiles.Count > 0 && inputShapes is { Count: > 0 })
            throw new EngineUserException("give either fixed input shapes or optimization profiles, not both");
        var progress = config.Progress;
        var evaluator = new ReferenceConstantEvaluator();

        // A QDQ model's Q/DQ pairs are read (and removed) before anything fuses across them.
        var qdqScales = int8 ? Quantization.QdqScales.Extract(model) : null;
        progress?.Report(new BuildProgress("shapes", 0, 1));
        ShapeInference.Run(model, config.Profiles.Count > 0 ? null : inputShapes, evaluator);
        OptimizationReport? report = null;
        if (config.Optimize)
        {
            progress?.Report(new BuildProgress("optimize", 0, 1));
            report = new GraphOptimizer(evaluator).Optimize(model, cancellationToken);
        }
        EnsureUniqueNodeNames(model.Graph);
        Quantization.QuantizationReport? quantization = null;
        if (int8)
        {
            progress?.Report(new BuildProgress("quantize", 0, 1));
            var calibration = config.Calibration ?? new Quantization.CalibrationOptions();
            // The GPU has no INT8 depthwise kernel (depthwise layers stay on its FP16 kernel), but its
            // implicit GEMMs run grouped convolutions group by group.
            if (config.Backend is Backends.Cuda.CudaBackend)
                calibration = calibration with { Rewrite = calibration.Rewrite with { Depthwise = false, Grouped = true } };
            quantization = Quantization.Int8Quantizer.Apply(model, identity.Sha256, calibration, qdqScales!,
                config.Precision == "best", evaluator, progress is null ? null : new Progress(progress), cancellationToken);
        }
        int nhwcLayers = 0;
        if (config.Optimize && config.ChannelsLast && config.Backend is IChannelsLastBackend layouts)
        {
            progress?.Report(new BuildProgress("layout", 0, 1));
            nhwcLayers = NhwcLayoutPass.Apply(model, evaluator, layouts.WantsNhwc);
        }
        byte[] graph = OnnxExporter.ToBytes(model);

        // Tactics are chosen on the engine compiled at the opt shapes (or the static shapes).
        var cache = TimingCache.Load(config.TimingCachePath);
        int threads = config.Threads > 0 ? config.Threads : config.Backend.MaxThreads;
        var tuner = config.TacticSelector is null && config.Autotune ? new Autotuner(cache, threads, progress) : null;
        ITacticSelector selector = config.TacticSelector ?? (ITacticSelector?)tuner ?? new FirstTacticSelector();
        if (config.WorkspaceLimitBytes > 0) selector = new WorkspaceLimitedSelector(selector, config.WorkspaceLimitBytes);
        var opt = config.Profiles.Count > 0 ? config.Profiles[0].OptShapes() : null;
        var compiled = Graph(graph, identity, opt, evaluator);
        progress?.Report(new BuildProgress("compile", 0, compiled.Graph.Nodes.Count));
        var engine = InferenceEngine.Compile(compiled, config.Backend, selector, cancellationToken);
        if (config.TimingCachePath is not null && cache.Changed) cache.Save(config.TimingCachePath);

        var tactics = new Dictionary<string, Tactic>(StringComparer.Ordinal);
        for (int i = 0; i < engine.Order.Count; i++) tactics[engine.Order[i].Name] = engine.Tactics[i];
        var plan = new EnginePlan(graph, tactics, config.Backend.Fingerprint, config.Profiles, identity, config.Precision, Version)
        {
            BuildPlan = engine.Plan,
            CalibrationTable = quantization?.CalibrationTable ?? "",
            KernelBinaries = config.Backend is IKernelBinaryStore store ? store.ExportKernels(engine) : new Dictionary<string, byte[]>(),
        };
        progress?.Report(new BuildProgress("done", 1, 1));
        return new BuildResult(plan, engine, report, new BuildStats(clock.Elapsed, tuner?.TimedLayers ?? 0, tuner?.CachedLayers ?? 0, cache.Count))
        {
            Quantization = quantization,
            NhwcLayers = nhwcLayers,
            LayoutTransforms = NhwcLayoutPass.LayoutTransforms(model.Graph),
        };
    }

    /// <summary>A fresh copy of the exported graph with shapes inferred for <paramref name="shapes"/> and concat slices planned.</summary>
    private static Model Graph(byte[] graph, ModelIdentity identity, IReadOnlyDictionary<string, TensorShape>? shapes, IConstantEvaluator evaluator)
    {
        var model = OnnxImporter.FromBytes(graph, null, identity.Name);
        ShapeInference.Run(model, shapes, evaluator);
        new ConcatPlanning().Run(new PassContext(model, evaluator));
        return model;
    }

    /// <summary>Tactics are recorded by node name, so every node gets a distinct one.</summary>
    private static void EnsureUniqueNodeNames(ModelGraph graph)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            string name = node.Name.Length > 0 ? node.Name : $"{node.OpType}_{node.Outputs[0].Name}";
            for (int k = 1; !used.Add(name); k++) name = $"{node.Name}_{k}";
            node.Name = name;
        }
    }

    /// <summary>Quantization steps reported as build progress details.</summary>
    private sealed class Progress(IProgress<BuildProgress> inner) : IProgress<string>
    {
        public void Report(string value) => inner.Report(new BuildProgress("quantize", 0, 1, value));
    }

    /// <summary>Offers only tactics whose workspace fits the limit (the smallest one when none does).</summary>
    private sealed class WorkspaceLimitedSelector(ITacticSelector inner, long limit) : ITacticSelector
    {
        public Tactic Choose(IBackend backend, LayerSpec layer, IReadOnlyList<Tactic> tactics)
        {
            var fitting = tactics.Where(t => backend.WorkspaceBytes(layer, t) <= limit).ToList();
            if (fitting.Count == 0) return tactics.MinBy(t => backend.WorkspaceBytes(layer, t))!;
            return fitting.Count == 1 ? fitting[0] : inner.Choose(backend, layer, fitting);
        }
    }
}
