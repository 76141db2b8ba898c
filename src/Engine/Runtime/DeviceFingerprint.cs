using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeAgent.Engine.Runtime;

/// <summary>
/// What an engine is bound to: the backend, the device, its architecture and instruction-set
/// features, and the driver/runtime versions that matter. An engine built (and tuned) on one
/// fingerprint is refused on another, naming the first field that differs.
/// </summary>
public sealed record DeviceFingerprint(
    string Backend, string Device, string Architecture, IReadOnlyList<string> Features, IReadOnlyDictionary<string, string> Versions)
{
    /// <summary>The first difference that makes an engine built for <paramref name="built"/> unsafe to run here, or null.</summary>
    public string? DifferenceFrom(DeviceFingerprint built)
    {
        if (built.Backend != Backend) return $"backend: built for '{built.Backend}', this engine loader is '{Backend}'";
        if (built.Architecture != Architecture) return $"architecture: built for '{built.Architecture}', this machine is '{Architecture}'";
        if (built.Device != Device) return $"device: built for '{built.Device}', this machine has '{Device}'";
        var missing = built.Features.Except(Features).ToList();
        if (missing.Count > 0) return $"features: built with {string.Join(", ", missing)}, which this machine lacks";
        foreach (var (key, value) in built.Versions)
            if (!Versions.TryGetValue(key, out var mine) || mine != value)
                return $"{key}: built with '{value}', this machine has '{mine ?? "none"}'";
        return null;
    }

    public override string ToString() =>
        $"{Backend} on {Device} ({Architecture}; {string.Join(" ", Features)}" +
        (Versions.Count > 0 ? "; " + string.Join(", ", Versions.Select(v => $"{v.Key} {v.Value}")) : "") + ")";

    /// <summary>This machine's CPU: model name, architecture, and the SIMD features the CPU kernels can use.</summary>
    public static DeviceFingerprint ForCpu() => new("cpu", CpuModelName(), RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
        CpuFeatures(), new Dictionary<string, string>());

    public static IReadOnlyList<string> CpuFeatures()
    {
        var features = new List<string>();
        if (Avx2.IsSupported) features.Add("avx2");
        if (Fma.IsSupported) features.Add("fma");
        if (Avx512F.IsSupported) features.Add("avx512f");
        if (Avx512BW.IsSupported) features.Add("avx512bw");
        if (AvxVnni.IsSupported) features.Add("avxvnni");
        if (AdvSimd.IsSupported) features.Add("asimd");
        if (AdvSimd.Arm64.IsSupported) features.Add("asimd64");
        if (Dp.IsSupported) features.Add("dotprod");
        return features;
    }

    private static string CpuModelName()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal) || line.StartsWith("Model", StringComparison.Ordinal))
                    return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return RuntimeInformation.ProcessArchitecture + " CPU";
    }
}
