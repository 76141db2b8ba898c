using EdgeAgent.Agent.Service;

namespace EdgeAgent.Agent.Tests.Service;

public sealed class EngineLatencyTests
{
    [Fact]
    public void AnEnginesFirstFramesDoNotSetItsBaseline()
    {
        var latency = new EngineLatency();
        for (int i = 0; i < EngineLatency.WarmupFrames; i++) latency.Record("1", 900_000); // one-time costs: 900 ms
        for (int i = 0; i < 50; i++) latency.Record("1", 10_000 + i * 100);
        var baseline = latency.Of("1")!;
        Assert.True(baseline.P99Micros < 20_000, $"p99 {baseline.P99Micros} us includes the warm-up frames");

        // A new engine starts a new record, again without its first frames.
        for (int i = 0; i < EngineLatency.WarmupFrames; i++) latency.Record("2", 900_000);
        latency.Record("2", 40_000);
        Assert.Null(latency.Of("1"));
        Assert.InRange(latency.Of("2")!.P99Micros, 30_000, 50_000);
    }
}
