using System.Runtime.InteropServices;
using System.Text;

namespace EdgeAgent.Telemetry.Metrics;

/// <summary>
/// GPU counters through NVML (libnvidia-ml.so.1, shipped with the NVIDIA driver). Loaded
/// dynamically so a machine without the driver simply has no GPU probe.
/// </summary>
public sealed unsafe class NvmlGpuProbe : IGpuProbe
{
    private const int Success = 0;

    [StructLayout(LayoutKind.Sequential)]
    private struct Utilization
    {
        public uint Gpu;
        public uint Memory;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Memory
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }

    private readonly nint _library;
    private readonly nint _device;
    private readonly string _name;
    private readonly delegate* unmanaged<int> _shutdown;
    private readonly delegate* unmanaged<nint, Utilization*, int> _utilization;
    private readonly delegate* unmanaged<nint, Memory*, int> _memory;
    private readonly delegate* unmanaged<nint, int, uint*, int> _temperature;
    private readonly delegate* unmanaged<nint, uint*, int> _power;
    private int _disposed;

    private NvmlGpuProbe(nint library, nint device, string name)
    {
        _library = library;
        _device = device;
        _name = name;
        _shutdown = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "nvmlShutdown");
        _utilization = (delegate* unmanaged<nint, Utilization*, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetUtilizationRates");
        _memory = (delegate* unmanaged<nint, Memory*, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetMemoryInfo");
        _temperature = (delegate* unmanaged<nint, int, uint*, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetTemperature");
        _power = (delegate* unmanaged<nint, uint*, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetPowerUsage");
    }

    public static bool TryCreate(uint index, out NvmlGpuProbe? probe, out string reason)
    {
        probe = null;
        if (!NativeLibrary.TryLoad("libnvidia-ml.so.1", out var library))
        {
            reason = "libnvidia-ml.so.1 not found (no NVIDIA driver)";
            return false;
        }
        try
        {
            var init = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "nvmlInit_v2");
            int rc = init();
            if (rc != Success)
            {
                reason = $"nvmlInit failed ({rc})";
                NativeLibrary.Free(library);
                return false;
            }
            var byIndex = (delegate* unmanaged<uint, nint*, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetHandleByIndex_v2");
            var getName = (delegate* unmanaged<nint, byte*, uint, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetName");
            nint device;
            rc = byIndex(index, &device);
            if (rc != Success)
            {
                reason = $"no NVIDIA GPU at index {index} ({rc})";
                ((delegate* unmanaged<int>)NativeLibrary.GetExport(library, "nvmlShutdown"))();
                NativeLibrary.Free(library);
                return false;
            }
            byte* name = stackalloc byte[96];
            string gpuName = getName(device, name, 96) == Success ? Marshal.PtrToStringUTF8((nint)name) ?? "" : "";
            probe = new NvmlGpuProbe(library, device, gpuName);
            reason = "";
            return true;
        }
        catch (EntryPointNotFoundException e)
        {
            reason = $"NVML is missing {e.Message}";
            NativeLibrary.Free(library);
            return false;
        }
    }

    public GpuSample? Sample()
    {
        if (_disposed != 0) return null;
        Utilization utilization;
        Memory memory;
        uint temperature, milliwatts;
        bool hasUtilization = _utilization(_device, &utilization) == Success;
        bool hasMemory = _memory(_device, &memory) == Success;
        bool hasTemperature = _temperature(_device, 0, &temperature) == Success;
        bool hasPower = _power(_device, &milliwatts) == Success;
        return new GpuSample("nvml", _name,
            hasUtilization ? utilization.Gpu : null,
            hasMemory ? memory.Used : null,
            hasMemory ? memory.Total : null,
            hasTemperature ? temperature : null,
            hasPower ? milliwatts / 1000.0 : null);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _shutdown();
        NativeLibrary.Free(_library);
    }
}
