using EdgeAgent.Agent.Service;
using EdgeAgent.Telemetry.Drift;

namespace EdgeAgent.Agent.Tests.Service;

public sealed class DriftBaselinesTests
{
    [Fact]
    public void TheFirstSamplesOfAnEngineBecomeItsBaselineAndANewEngineStartsOver()
    {
        var drift = new DriftMonitor(new DriftThresholds());
        var baselines = new DriftBaselines(drift, samples: 50);
        var random = new Random(3);
        for (int i = 0; i < 49; i++) baselines.Observe("v1", DriftMonitor.Confidence, random.NextDouble());
        drift.ObserveConfidence(0.5);
        Assert.Empty(drift.Evaluate().Distributions); // no baseline yet: nothing judged

        baselines.Observe("v1", DriftMonitor.Confidence, 0.5);
        for (int i = 0; i < 100; i++) drift.ObserveConfidence(0.9 + 0.1 * random.NextDouble()); // far from the uniform baseline
        var report = drift.Evaluate();
        var confidence = Assert.Single(report.Distributions);
        Assert.True(confidence.Psi > 0.25);
        Assert.Contains(report.Events, e => e.Metric == "psi:" + DriftMonitor.Confidence && !e.Cleared);

        baselines.Observe("v2", DriftMonitor.Confidence, 0.95); // another engine: its outputs are not judged by v1's baseline
        for (int i = 0; i < 100; i++) drift.ObserveConfidence(0.95);
        Assert.Empty(drift.Evaluate().Distributions);
    }
}
