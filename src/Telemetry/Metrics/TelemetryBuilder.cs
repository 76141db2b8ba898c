using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Metrics;

/// <summary>Assembles the Telemetry message of one window from the samplers' outputs.</summary>
public static class TelemetryBuilder
{
    public static Wire.Telemetry Build(PipelineWindow window, ProcessSample process, GpuSample? gpu, EngineInfo? engine)
    {
        var telemetry = new Wire.Telemetry
        {
            Engine = engine,
            WindowMs = (uint)Math.Clamp(window.Length.TotalMilliseconds, 0, uint.MaxValue),
            Pipeline = new PipelineCounters
            {
                Fps = window.Fps, Frames = (ulong)window.Frames, FramesDropped = (ulong)window.FramesDropped, QueueDepth = (uint)Math.Max(0, window.QueueDepth),
            },
            Process = new ProcessStats { CpuPercent = process.CpuPercent, RssBytes = (ulong)Math.Max(0, process.RssBytes) },
        };
        foreach (var (stage, s) in window.Stages.OrderBy(kv => kv.Key))
        {
            telemetry.Stages.Add(new StageLatency
            {
                Stage = stage, Count = (ulong)s.Count, P50Ms = s.P50Micros / 1000, P90Ms = s.P90Micros / 1000, P99Ms = s.P99Micros / 1000,
                MaxMs = s.MaxMicros / 1000, MeanMs = s.MeanMicros / 1000,
            });
        }
        if (gpu is not null)
        {
            var stats = new GpuStats { Source = gpu.Source, Name = gpu.Name };
            if (gpu.UtilizationPercent is { } u) stats.UtilizationPercent = u;
            if (gpu.MemoryUsedBytes is { } used) stats.MemoryUsedBytes = used;
            if (gpu.MemoryTotalBytes is { } total) stats.MemoryTotalBytes = total;
            if (gpu.TemperatureC is { } t) stats.TemperatureC = t;
            if (gpu.PowerW is { } p) stats.PowerW = p;
            telemetry.Gpu = stats;
        }
        return telemetry;
    }
}
