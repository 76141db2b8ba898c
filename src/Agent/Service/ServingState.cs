using EdgeAgent.Agent.Pipeline;
using EdgeAgent.Camera.Ring;
using EdgeAgent.Camera.Sources.Resilience;
using EdgeAgent.Telemetry.Drift;
using EdgeAgent.Telemetry.Metrics;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Agent.Service;

/// <summary>
/// What the live pipeline shares with the rest of the agent: the engine slot, metrics, drift,
/// recent frames for validation, per-engine latency for probation, and counters. One instance,
/// made at the composition root; the workers and the deployment manager read and write it.
/// </summary>
public sealed class ServingState : IDisposable
{
    private long _errors;
    private long _driftAlarms;
    private long _processed;
    private string _deploymentState = "idle";
    private Func<RingCounters>? _ring;
    private Func<SourceHealth?>? _camera;

    public ServingState(DriftThresholds thresholds)
    {
        Drift = new DriftMonitor(thresholds);
        Baselines = new DriftBaselines(Drift);
    }

    public EngineSlot Slot { get; } = new();
    public PipelineMetrics Metrics { get; } = new();
    public DriftMonitor Drift { get; }
    public DriftBaselines Baselines { get; }
    public GoldenFrames Golden { get; } = new();
    public EngineLatency Latency { get; } = new();
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>Frames whose inference or post-processing threw, since start.</summary>
    public long Errors => Interlocked.Read(ref _errors);
    public void CountError() => Interlocked.Increment(ref _errors);

    /// <summary>Drift thresholds crossed (not cleared), since start; a probation compares before and after.</summary>
    public long DriftAlarms => Interlocked.Read(ref _driftAlarms);
    public void CountDriftAlarm() => Interlocked.Increment(ref _driftAlarms);

    public long Processed => Interlocked.Read(ref _processed);
    public void CountProcessed() => Interlocked.Increment(ref _processed);

    /// <summary>idle | downloading | building | validating | probation | rebuilding, for status and systemd.</summary>
    public string DeploymentState
    {
        get => Volatile.Read(ref _deploymentState);
        set => Volatile.Write(ref _deploymentState, value);
    }

    /// <summary>The camera ring's counters (captured, dropped); zero until the camera runs.</summary>
    public RingCounters RingCounters => Volatile.Read(ref _ring)?.Invoke() ?? default;
    public void AttachRing(Func<RingCounters> counters) => Volatile.Write(ref _ring, counters);

    /// <summary>The camera source's health (streaming, reconnecting, failed), null until the camera runs.</summary>
    public SourceHealth? CameraHealth => Volatile.Read(ref _camera)?.Invoke();
    public void AttachCamera(Func<SourceHealth?> health) => Volatile.Write(ref _camera, health);

    private ShadowReference? _shadow;

    /// <summary>The fp32 reference for a lower-precision serving engine, or null.</summary>
    public ShadowReference? Shadow => Volatile.Read(ref _shadow);

    public void SetShadow(ShadowReference? shadow) => Interlocked.Exchange(ref _shadow, shadow)?.Dispose();

    public EngineInfo? CurrentEngineInfo()
    {
        var engine = Slot.Current;
        return engine is null ? null : Describe(engine);
    }

    public static EngineInfo Describe(LoadedEngine engine) => new()
    {
        ModelId = engine.ModelId,
        ModelVersion = engine.Version,
        EngineId = engine.EngineId,
        Precision = engine.Precision switch { "fp16" => Precision.Fp16, "int8" => Precision.Int8, _ => Precision.Fp32 },
        Backend = engine.Engine.Backend.Name,
    };

    public void Dispose()
    {
        SetShadow(null);
        Slot.Dispose();
    }
}
