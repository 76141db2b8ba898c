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
    public const int AttributeClockRate = 13;
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
    internal readonly delegate* unmanaged<nint, int, int, int> FuncSetAttribute;
    internal readonly delegate* unmanaged<nint*, uint, int> StreamCreate;
    internal readonly delegate* unmanaged<nint, int> StreamDestroy;
    internal readonly delegate* unmanaged<nint, int> StreamSynchronize;
    internal readonly delegate* unmanaged<nint*, uint, int> EventCreate;
    internal readonly delegate* unmanaged<nint, int> EventDestroy;
    internal readonly delegate* unmanaged<nint, nint, int> EventRecord;
    internal readonly delegate* unmanaged<nint, int> EventSynchronize;
    internal readonly delegate* unmanaged<float*, nint, nint, int> EventElapsedTime;
    internal readonly delegate* unmanaged<ulong, void*, nuint, nint, int> MemcpyHtoDAsync;
    internal readonly delegate* unmanaged<void*, ulong, nuint, nint, int> MemcpyDtoHAsync;
    internal readonly delegate* unmanaged<ulong, ulong, nuint, nint, int> MemcpyDtoDAsync;
    internal readonly delegate* unmanaged<ulong, byte, nuint, nint, int> MemsetD8Async;
    internal readonly delegate* unmanaged<void**, nuint, uint, int> MemHostAlloc;
    internal readonly delegate* unmanaged<void*, int> MemFreeHost;
    internal readonly delegate* unmanaged<ulong*, void*, uint, int> MemHostGetDevicePointer;
    internal readonly delegate* unmanaged<nint, int, int> StreamBeginCapture;
    internal readonly delegate* unmanaged<nint, nint*, int> StreamEndCapture;
    internal readonly delegate* unmanaged<nint*, nint, ulong, int> GraphInstantiate;
    internal readonly delegate* unmanaged<nint, nint, int> GraphLaunch;
    internal readonly delegate* unmanaged<nint, int> GraphExecDestroy;
    internal readonly delegate* unmanaged<nint, int> GraphDestroy;
    internal readonly delegate* unmanaged<nuint*, nuint*, int> MemGetInfo;

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
        FuncSetAttribute = (delegate* unmanaged<nint, int, int, int>)E("cuFuncSetAttribute");
        StreamCreate = (delegate* unmanaged<nint*, uint, int>)E("cuStreamCreate");
        StreamDestroy = (delegate* unmanaged<nint, int>)E("cuStreamDestroy_v2");
        StreamSynchronize = (delegate* unmanaged<nint, int>)E("cuStreamSynchronize");
        EventCreate = (delegate* unmanaged<nint*, uint, int>)E("cuEventCreate");
        EventDestroy = (delegate* unmanaged<nint, int>)E("cuEventDestroy_v2");
        EventRecord = (delegate* unmanaged<nint, nint, int>)E("cuEventRecord");
        EventSynchronize = (delegate* unmanaged<nint, int>)E("cuEventSynchronize");
        EventElapsedTime = (delegate* unmanaged<float*, nint, nint, int>)E("cuEventElapsedTime");
        MemcpyHtoDAsync = (delegate* unmanaged<ulong, void*, nuint, nint, int>)E("cuMemcpyHtoDAsync_v2");
        MemcpyDtoHAsync = (delegate* unmanaged<void*, ulong, nuint, nint, int>)E("cuMemcpyDtoHAsync_v2");
        MemcpyDtoDAsync = (delegate* unmanaged<ulong, ulong, nuint, nint, int>)E("cuMemcpyDtoDAsync_v2");
        MemsetD8Async = (delegate* unmanaged<ulong, byte, nuint, nint, int>)E("cuMemsetD8Async");
        MemHostAlloc = (delegate* unmanaged<void**, nuint, uint, int>)E("cuMemHostAlloc");
        MemFreeHost = (delegate* unmanaged<void*, int>)E("cuMemFreeHost");
        MemHostGetDevicePointer = (delegate* unmanaged<ulong*, void*, uint, int>)E("cuMemHostGetDevicePointer_v2");
        StreamBeginCapture = (delegate* unmanaged<nint, int, int>)E("cuStreamBeginCapture_v2");
        StreamEndCapture = (delegate* unmanaged<nint, nint*, int>)E("cuStreamEndCapture");
        GraphInstantiate = (delegate* unmanaged<nint*, nint, ulong, int>)E("cuGraphInstantiateWithFlags");
        GraphLaunch = (delegate* unmanaged<nint, nint, int>)E("cuGraphLaunch");
        GraphExecDestroy = (delegate* unmanaged<nint, int>)E("cuGraphExecDestroy");
        GraphDestroy = (delegate* unmanaged<nint, int>)E("cuGraphDestroy");
        MemGetInfo = (delegate* unmanaged<nuint*, nuint*, int>)E("cuMemGetInfo_v2");
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
