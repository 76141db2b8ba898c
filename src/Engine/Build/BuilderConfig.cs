using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Build;

/// <summary>How to build an engine (TensorRT's builder config): backend, precision, profiles, tuning and caching.</summary>
public sealed record BuilderConfig
{
    public required IBackend Backend { get; init; }
    /// <summary>fp32; int8 (every layer with an INT8 kernel); best (INT8 where the sensitivity pass allows, FP32 elsewhere).</summary>
    public string Precision { get; init; } = "fp32";
    /// <summary>Calibration data, method, cache and sensitivity rule for int8 and best.</summary>
    public Quantization.CalibrationOptions? Calibration { get; init; }
    /// <summary>Run the graph optimizer first (on by default; off compares the plain graph).</summary>
    public bool Optimize { get; init; } = true;
    /// <summary>Time each layer's tactics and keep the fastest (off: the backend's default tactic).</summary>
    public bool Autotune { get; init; } = true;
    /// <summary>Let the backend choose channels-last (NHWC) activations for the layers it runs faster that way (on by default; off keeps every layer NCHW).</summary>
    public bool ChannelsLast { get; init; } = true;
    /// <summary>Dynamic-shape ranges; with none, the engine is built for the given static shapes.</summary>
    public IReadOnlyList<OptimizationProfile> Profiles { get; init; } = [];
    /// <summary>Where measured tactic choices are kept between builds; null keeps them in memory only.</summary>
    public string? TimingCachePath { get; init; }
    /// <summary>Threads used when timing tactics (and the most a context of the engine should use).</summary>
    public int Threads { get; init; }
    /// <summary>Tactics whose workspace exceeds this many bytes are not considered (0: no limit).</summary>
    public long WorkspaceLimitBytes { get; init; }
    public IProgress<BuildProgress>? Progress { get; init; }
    /// <summary>Explicit tactic chooser; overrides <see cref="Autotune"/>.</summary>
    public ITacticSelector? TacticSelector { get; init; }
}

/// <summary>A finished build: the portable plan, the engine compiled at the opt shapes, and what happened.</summary>
public sealed record BuildResult(EnginePlan Plan, InferenceEngine Engine, Passes.OptimizationReport? Report, BuildStats Stats)
{
    /// <summary>What quantization did (int8 and best builds).</summary>
    public Quantization.QuantizationReport? Quantization { get; init; }
    /// <summary>Layers the backend made channels-last, and the layout transforms that left in the graph.</summary>
    public int NhwcLayers { get; init; }
    public int LayoutTransforms { get; init; }
}

/// <summary>Counts and times of a build, for summaries and benchmarks.</summary>
public sealed record BuildStats(TimeSpan Elapsed, int LayersTimed, int LayersFromCache, int TimingCacheEntries);
