using System.Globalization;

namespace EdgeAgent.Telemetry.Metrics;

/// <summary>
/// GPU load and temperature on Jetson, where NVML is absent: the GPU's devfreq load file
/// (0-1000) and the thermal zone whose type names the GPU (millidegrees). Unreadable or
/// malformed files leave the field absent.
/// </summary>
public sealed class JetsonSysfsProbe(string root = "/") : IGpuProbe
{
    private static readonly string[] LoadCandidates =
    [
        "sys/devices/gpu.0/load",
        "sys/devices/platform/gpu.0/load",
        "sys/devices/platform/17000000.ga10b/load",
        "sys/devices/platform/bus@0/17000000.gpu/load",
        "sys/devices/17000000.gv11b/load",
    ];

    private readonly string? _loadFile = FindLoadFile(root);
    private readonly string? _temperatureFile = FindGpuThermalZone(root);

    public bool IsPresent => _loadFile is not null || _temperatureFile is not null;

    public GpuSample? Sample()
    {
        if (!IsPresent) return null;
        double? load = ReadNumber(_loadFile) is { } l and >= 0 and <= 1000 ? l / 10.0 : null;
        double? temperature = ReadNumber(_temperatureFile) is { } t and > -50_000 and < 200_000 ? t / 1000.0 : null;
        return new GpuSample("jetson-sysfs", "Jetson GPU", load, null, null, temperature, null);
    }

    private static string? FindLoadFile(string root)
    {
        foreach (var candidate in LoadCandidates)
        {
            var path = Path.Combine(root, candidate);
            if (File.Exists(path)) return path;
        }
        var devfreq = Path.Combine(root, "sys/class/devfreq");
        if (!Directory.Exists(devfreq)) return null;
        foreach (var dir in Directory.EnumerateDirectories(devfreq).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(dir);
            if (!(name.Contains("gpu", StringComparison.OrdinalIgnoreCase) || name.Contains("ga10b") || name.Contains("gv11b") || name.Contains("gp10b")))
                continue;
            var load = Path.Combine(dir, "device", "load");
            if (File.Exists(load)) return load;
        }
        return null;
    }

    private static string? FindGpuThermalZone(string root)
    {
        var thermal = Path.Combine(root, "sys/class/thermal");
        if (!Directory.Exists(thermal)) return null;
        foreach (var zone in Directory.EnumerateDirectories(thermal, "thermal_zone*").Order(StringComparer.Ordinal))
        {
            var type = ReadText(Path.Combine(zone, "type"));
            if (type is not null && type.Contains("gpu", StringComparison.OrdinalIgnoreCase) && File.Exists(Path.Combine(zone, "temp")))
                return Path.Combine(zone, "temp");
        }
        return null;
    }

    private static string? ReadText(string? path)
    {
        if (path is null) return null;
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static double? ReadNumber(string? path) =>
        double.TryParse(ReadText(path), NumberStyles.Integer | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    public void Dispose()
    {
    }
}
