using EdgeAgent.Engine.Backends.Cuda.Interop;

namespace EdgeAgent.Engine.Backends.Cuda;

/// <summary>What the CUDA backend needs to know about a GPU, and what engine fingerprints record.</summary>
public sealed record CudaDeviceInfo(int Ordinal, string Name, int SmMajor, int SmMinor, int Multiprocessors, ulong MemoryBytes,
    bool Integrated, int DriverVersion, string NvrtcVersion, int ClockKHz = 0)
{
    /// <summary>The NVRTC target for this GPU, e.g. sm_90 (H100/H200) or sm_87 (Jetson Orin).</summary>
    public string Architecture => $"sm_{SmMajor}{SmMinor}";

    public string DriverText => $"{DriverVersion / 1000}.{DriverVersion % 1000 / 10}";

    public override string ToString() =>
        $"GPU {Ordinal}: {Name}, {Architecture}, {Multiprocessors} SMs, {MemoryBytes / 1073741824.0:F1} GiB{(Integrated ? ", integrated (shares host memory)" : "")}, " +
        $"driver CUDA {DriverText}, NVRTC {NvrtcVersion}";

    /// <summary>The maximum SM clock in kHz, 0 when the driver does not report it.</summary>
    private static int ClockOf(CudaDriver driver, int device)
    {
        try { return driver.Attribute(device, CudaDriver.AttributeClockRate); }
        catch (CudaException) { return 0; }
    }

    /// <summary>Every GPU the driver sees; <see cref="CudaUnavailableException"/> when there is no driver, GPU or NVRTC.</summary>
    public static IReadOnlyList<CudaDeviceInfo> Query()
    {
        var driver = CudaDriver.Open();
        var nvrtc = Nvrtc.Open();
        var (major, minor) = nvrtc.Version();
        int driverVersion = driver.DriverVersion();
        return Enumerable.Range(0, driver.DeviceCount()).Select(i =>
        {
            int d = driver.Device(i);
            return new CudaDeviceInfo(i, driver.Name(d),
                driver.Attribute(d, CudaDriver.AttributeComputeCapabilityMajor), driver.Attribute(d, CudaDriver.AttributeComputeCapabilityMinor),
                driver.Attribute(d, CudaDriver.AttributeMultiprocessorCount), driver.TotalMemory(d),
                driver.Attribute(d, CudaDriver.AttributeIntegrated) != 0, driverVersion, $"{major}.{minor}", ClockOf(driver, d));
        }).ToList();
    }
}
