using System.Runtime.InteropServices;
using System.Text;

namespace EdgeAgent.Engine.Backends.Cuda.Interop;

/// <summary>
/// The CUDA driver API (libcuda.so.1), bound at run time so a machine without the driver gets a
/// <see cref="CudaUnavailableException"/> instead of a crash. Only what the backend uses is bound;
/// every call goes through <see cref="Check"/>, which turns an error code into a
/// <see cref="CudaException"/> carrying cuGetErrorName's text.
/// </summary>
public sealed unsafe class CudaDriver
{
    public const int AttributeMultiprocessorCount = 16;
    public const int AttributeIntegrated = 18;
    public const int AttributeComputeCapabilityMajor = 75;
    public const int AttributeComputeCapabilityMinor = 76;

    private readonly delegate* unmanaged<uint, int> _init;
    private readonly delegate* unmanaged<int*, int> _driverVersion;
    private readonly delegate* unmanaged<int*, int> _deviceCount;
    private readonly delegate* unmanaged<int*, int, int> _deviceGet;
    private readonly delegate* unmanaged<byte*, int, int, int> _deviceName;
    private readonly delegate* unmanaged<int*, int, int, int> _deviceAttribute;
    private readonly delegate* unmanaged<nuint*, int, int> _deviceTotalMem;
    private readonly delegate* unmanaged<int, byte**, int> _errorName;
    internal readonly delegate* unmanaged<nint*, int, int> PrimaryContextRetain;
    internal readonly delegate* unmanaged<int, int> PrimaryContextRelease;
    internal readonly delegate* unmanaged<nint, int> ContextSetCurrent;
    internal readonly delegate* unmanaged<int> ContextSynchronize;
    internal readonly delegate* unmanaged<nint*, void*, int> ModuleLoadData;
    internal readonly delegate* unmanaged<nint, int> ModuleUnload;
    internal readonly delegate* unmanaged<nint*, nint, byte*, int> ModuleGetFunction;
    internal readonly delegate* unmanaged<ulong*, nuint, int> MemAlloc;
    internal readonly delegate* unmanaged<ulong, int> MemFree;
    internal readonly delegate* unmanaged<ulong, void*, nuint, int> MemcpyHtoD;
    internal readonly delegate* unmanaged<void*, ulong, nuint, int> MemcpyDtoH;
    internal readonly delegate* unmanaged<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int> LaunchKernel;

    private CudaDriver(nint lib, string name)
    {
        LibraryName = name;
        nint E(string f) => NativeLibraries.Export(lib, f, name);
        _init = (delegate* unmanaged<uint, int>)E("cuInit");
        _driverVersion = (delegate* unmanaged<int*, int>)E("cuDriverGetVersion");
        _deviceCount = (delegate* unmanaged<int*, int>)E("cuDeviceGetCount");
        _deviceGet = (delegate* unmanaged<int*, int, int>)E("cuDeviceGet");
        _deviceName = (delegate* unmanaged<byte*, int, int, int>)E("cuDeviceGetName");
        _deviceAttribute = (delegate* unmanaged<int*, int, int, int>)E("cuDeviceGetAttribute");
        _deviceTotalMem = (delegate* unmanaged<nuint*, int, int>)E("cuDeviceTotalMem_v2");
        _errorName = (delegate* unmanaged<int, byte**, int>)E("cuGetErrorName");
        PrimaryContextRetain = (delegate* unmanaged<nint*, int, int>)E("cuDevicePrimaryCtxRetain");
        PrimaryContextRelease = (delegate* unmanaged<int, int>)E("cuDevicePrimaryCtxRelease_v2");
        ContextSetCurrent = (delegate* unmanaged<nint, int>)E("cuCtxSetCurrent");
        ContextSynchronize = (delegate* unmanaged<int>)E("cuCtxSynchronize");
        ModuleLoadData = (delegate* unmanaged<nint*, void*, int>)E("cuModuleLoadData");
        ModuleUnload = (delegate* unmanaged<nint, int>)E("cuModuleUnload");
        ModuleGetFunction = (delegate* unmanaged<nint*, nint, byte*, int>)E("cuModuleGetFunction");
        MemAlloc = (delegate* unmanaged<ulong*, nuint, int>)E("cuMemAlloc_v2");
        MemFree = (delegate* unmanaged<ulong, int>)E("cuMemFree_v2");
        MemcpyHtoD = (delegate* unmanaged<ulong, void*, nuint, int>)E("cuMemcpyHtoD_v2");
        MemcpyDtoH = (delegate* unmanaged<void*, ulong, nuint, int>)E("cuMemcpyDtoH_v2");
        LaunchKernel = (delegate* unmanaged<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int>)E("cuLaunchKernel");
    }

    public string LibraryName { get; }

    /// <summary>Loads and initializes the driver; <see cref="CudaUnavailableException"/> when there is none or no GPU.</summary>
    public static CudaDriver Open()
    {
        var lib = NativeLibraries.TryLoad(["libcuda.so.1", "libcuda.so"], out var name)
            ?? throw new CudaUnavailableException("no NVIDIA driver: libcuda.so.1 was not found (is this a GPU machine with the driver installed?)");
        var driver = new CudaDriver(lib, name!);
        int code = driver._init(0);
        if (code == 100 /* CUDA_ERROR_NO_DEVICE */) throw new CudaUnavailableException("the NVIDIA driver reports no GPU");
        if (code != 0) throw new CudaUnavailableException($"cuInit failed: {driver.ErrorName(code)} ({code})");
        int count;
        driver.Check(driver._deviceCount(&count), "cuDeviceGetCount");
        if (count == 0) throw new CudaUnavailableException("the NVIDIA driver reports no GPU");
        return driver;
    }

    public string ErrorName(int code)
    {
        byte* text = null;
        return _errorName(code, &text) == 0 && text != null ? Marshal.PtrToStringUTF8((nint)text) ?? $"error {code}" : $"error {code}";
    }

    public void Check(int code, string call)
    {
        if (code != 0) throw new CudaException(call, code, ErrorName(code));
    }

    public int DriverVersion()
    {
        int v;
        Check(_driverVersion(&v), "cuDriverGetVersion");
        return v;
    }

    public int DeviceCount()
    {
        int count;
        Check(_deviceCount(&count), "cuDeviceGetCount");
        return count;
    }

    public int Device(int ordinal)
    {
        int device;
        Check(_deviceGet(&device, ordinal), "cuDeviceGet");
        return device;
    }

    public int Attribute(int device, int attribute)
    {
        int value;
        Check(_deviceAttribute(&value, attribute, device), "cuDeviceGetAttribute");
        return value;
    }

    public string Name(int device)
    {
        var buffer = stackalloc byte[256];
        Check(_deviceName(buffer, 256, device), "cuDeviceGetName");
        return Marshal.PtrToStringUTF8((nint)buffer) ?? "";
    }

    public ulong TotalMemory(int device)
    {
        nuint bytes;
        Check(_deviceTotalMem(&bytes, device), "cuDeviceTotalMem");
        return bytes;
    }

    internal static byte[] Utf8Z(string s) => Encoding.UTF8.GetBytes(s + "\0");
}
