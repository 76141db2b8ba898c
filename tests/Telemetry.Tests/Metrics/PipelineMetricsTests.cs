using EdgeAgent.Telemetry.Metrics;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Tests.Metrics;

public sealed class PipelineMetricsTests
{
    private sealed class ManualTime : TimeProvider
    {
        public long Ticks;
        public override long GetTimestamp() => Ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }

    [Fact]
    public void AWindowReportsStagesFpsDropsAndQueueDepthAndBuildsTelemetry()
    {
        var time = new ManualTime();
        var metrics = new PipelineMetrics(time);
        for (int i = 0; i < 300; i++)
        {
            metrics.Record(Stage.Inference, TimeSpan.FromMilliseconds(2 + i % 3));
            metrics.Record(Stage.EndToEnd, 10_000 + i);
            metrics.FrameCompleted();
        }
        metrics.FrameDropped();
        metrics.SetQueueDepth(3);
        time.Ticks += TimeSpan.FromSeconds(10).Ticks;

        var window = metrics.Rotate();
        Assert.Equal(TimeSpan.FromSeconds(10), window.Length);
        Assert.Equal(30, window.Fps, 6);
        Assert.Equal(1, window.FramesDropped);
        Assert.Equal([Stage.Inference, Stage.EndToEnd], window.Stages.Keys.Order());

        var telemetry = TelemetryBuilder.Build(window, new ProcessSample(12.5, 1 << 20), gpu: null, engine: null);
        Assert.Equal(10_000u, telemetry.WindowMs);
        var inference = telemetry.Stages.Single(s => s.Stage == Stage.Inference);
        Assert.Equal(300UL, inference.Count);
        Assert.InRange(inference.P50Ms, 2.98, 3.02);
        Assert.InRange(inference.MaxMs, 3.99, 4.01);
        Assert.Null(telemetry.Gpu); // no GPU: absent, not zero
        Assert.Equal(0L, metrics.Rotate().Frames);
    }

    [Fact]
    public void PartialGpuReadingsStayPartialOnTheWire()
    {
        var window = new PipelineMetrics().Rotate();
        var gpu = new GpuSample("jetson-sysfs", "Jetson GPU", 55, null, null, 48.5, null);
        var telemetry = TelemetryBuilder.Build(window, new ProcessSample(0, 0), gpu, null);
        Assert.True(telemetry.Gpu.HasUtilizationPercent);
        Assert.True(telemetry.Gpu.HasTemperatureC);
        Assert.False(telemetry.Gpu.HasMemoryUsedBytes);
        Assert.False(telemetry.Gpu.HasPowerW);
        Assert.DoesNotContain("powerW", WireCodec.ToJson(telemetry));
    }

    [Fact]
    public void ProcessSamplerSeesItsOwnCpuWork()
    {
        var sampler = new ProcessSampler();
        var until = DateTime.UtcNow.AddMilliseconds(200);
        double x = 0;
        while (DateTime.UtcNow < until) x += Math.Sqrt(x + 1);
        var sample = sampler.Sample();
        Assert.True(sample.CpuPercent > 20, $"cpu {sample.CpuPercent}% (x={x})");
        Assert.True(sample.RssBytes > 1 << 20);
    }
}
