using EdgeAgent.Telemetry.Metrics;

namespace EdgeAgent.Telemetry.Tests.Metrics;

public sealed class GpuProbeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("edgeagent-sysfs-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    [Fact]
    public void JetsonLoadAndGpuThermalZoneAreRead()
    {
        Write("sys/devices/platform/gpu.0/load", "734\n");
        Write("sys/class/thermal/thermal_zone0/type", "CPU-therm\n");
        Write("sys/class/thermal/thermal_zone0/temp", "61000\n");
        Write("sys/class/thermal/thermal_zone1/type", "GPU-therm\n");
        Write("sys/class/thermal/thermal_zone1/temp", "48500\n");
        using var probe = new JetsonSysfsProbe(_root);
        var sample = probe.Sample();
        Assert.NotNull(sample);
        Assert.Equal(73.4, sample.UtilizationPercent!.Value, 6);
        Assert.Equal(48.5, sample.TemperatureC!.Value, 6);
        Assert.Null(sample.MemoryUsedBytes);
        Assert.Null(sample.PowerW);
    }

    [Fact]
    public void DevfreqGpuLoadIsFoundByName()
    {
        Write("sys/class/devfreq/17000000.ga10b/device/load", "120");
        Write("sys/class/devfreq/dla0/device/load", "999");
        using var probe = new JetsonSysfsProbe(_root);
        Assert.Equal(12, probe.Sample()!.UtilizationPercent!.Value, 6);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("garbage", "hot")]
    [InlineData("5000", "999999999")]
    [InlineData("-1", "12.5e3")]
    [InlineData("1e3", "\0\0")]
    public void MalformedSysfsValuesLeaveFieldsAbsent(string load, string temperature)
    {
        Write("sys/devices/gpu.0/load", load);
        Write("sys/class/thermal/thermal_zone3/type", "gpu");
        Write("sys/class/thermal/thermal_zone3/temp", temperature);
        using var probe = new JetsonSysfsProbe(_root);
        var sample = probe.Sample();
        Assert.NotNull(sample);
        Assert.Null(sample.UtilizationPercent);
        Assert.Null(sample.TemperatureC);
    }

    [Fact]
    public void NoGpuMeansNoProbeRatherThanAnError()
    {
        using var jetson = new JetsonSysfsProbe(_root);
        Assert.False(jetson.IsPresent);
        Assert.Null(jetson.Sample());
        // This machine has no NVIDIA driver; on one that has, the probe must produce a named sample.
        if (NvmlGpuProbe.TryCreate(0, out var nvml, out var reason))
        {
            using (nvml) Assert.Equal("nvml", nvml!.Sample()!.Source);
        }
        else
        {
            Assert.NotEmpty(reason);
            Assert.Null(GpuProbes.Detect(_root));
        }
    }
}
