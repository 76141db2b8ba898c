namespace EdgeAgent.Telemetry.Metrics;

/// <summary>A reading of one GPU; a counter the platform does not expose is null, never a made-up zero.</summary>
public sealed record GpuSample(string Source, string Name, double? UtilizationPercent, ulong? MemoryUsedBytes, ulong? MemoryTotalBytes,
    double? TemperatureC, double? PowerW);

public interface IGpuProbe : IDisposable
{
    /// <summary>Null when the GPU cannot be read right now.</summary>
    GpuSample? Sample();
}

public static class GpuProbes
{
    /// <summary>NVML on discrete GPUs, sysfs on Jetson, nothing on CPU-only boxes.</summary>
    public static IGpuProbe? Detect(string sysfsRoot = "/")
    {
        if (NvmlGpuProbe.TryCreate(0, out var nvml, out _)) return nvml;
        var jetson = new JetsonSysfsProbe(sysfsRoot);
        return jetson.IsPresent ? jetson : null;
    }
}
