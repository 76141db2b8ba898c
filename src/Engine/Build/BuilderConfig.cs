using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Build;

/// <summary>How to build an engine (TensorRT's builder config): backend, precision, profiles, tuning and caching.</summary>
public sealed record BuilderConfig
{
    public required IBackend Backend { get; init; }
    /// <summary>fp32 today; fp16, int8 and best arrive with the quantization work.</summary>
    public string Precision { get; init; } = "fp32";
    /// <summary>Run the graph optimizer first (on by default; off compares the plain graph).</summary>
    public bool Optimize { get; init; } = true;
    /// <summary>Time each layer's tactics and keep the fastest (off: the backend's default tactic).</summary>
    public bool Autotune { get; init; } = true;
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
public sealed record BuildResult(EnginePlan Plan, InferenceEngine Engine, Passes.OptimizationReport? Report, BuildStats Stats);

/// <summary>Counts and times of a build, for summaries and benchmarks.</summary>
public sealed record BuildStats(TimeSpan Elapsed, int LayersTimed, int LayersFromCache, int TimingCacheEntries);
