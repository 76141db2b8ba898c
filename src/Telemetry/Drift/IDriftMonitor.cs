using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Drift;

/// <summary>What one shadow run found; metrics that do not apply to the model are null.</summary>
public readonly record struct ShadowObservation(double Cosine, bool? Top1Agrees = null, double? BoxRecall = null, double? MapIoU = null);

/// <summary>
/// The seam the agent feeds: shadow comparisons, output confidences and input statistics go
/// in per frame; once per telemetry window <see cref="Evaluate"/> closes the window and says
/// what crossed a threshold.
/// </summary>
public interface IDriftMonitor
{
    void ObserveShadow(ShadowObservation observation);
    void ObserveConfidence(double confidence);
    void ObserveInput(InputStatistics statistics);
    DriftReport Evaluate();
}

/// <summary>Limits beyond which a window counts as drifting. PSI above 0.25 is the customary "significant shift".</summary>
public sealed record DriftThresholds
{
    public double MinCosine { get; init; } = 0.95;
    public double MinTop1Agreement { get; init; } = 0.90;
    public double MinBoxRecall { get; init; } = 0.80;
    public double MinMapIoU { get; init; } = 0.80;
    public double MaxPsi { get; init; } = 0.25;

    /// <summary>Windows with fewer samples are reported but never raise events: too noisy to act on.</summary>
    public int MinSamples { get; init; } = 20;
}

/// <summary>One window's drift numbers (for telemetry) and the events to publish.</summary>
public sealed record DriftReport(ShadowStats? Shadow, IReadOnlyList<DistributionDrift> Distributions, IReadOnlyList<DriftEvent> Events);
