using EdgeAgent.Engine.Backends.Cuda.Interop;

namespace EdgeAgent.Engine.Backends.Cuda;

/// <summary>
/// One GPU with its primary context, the driver and NVRTC bound: the handle every CUDA object
/// hangs off. The context is made current on whichever thread calls in (<see cref="Bind"/>),
/// because the driver keeps the current context per thread.
/// </summary>
public sealed unsafe class CudaDevice : IDisposable
{
    private readonly nint _context;
    private readonly int _device;
    private bool _disposed;

    private CudaDevice(CudaDriver driver, Nvrtc nvrtc, CudaDeviceInfo info, int device, nint context)
    {
        Driver = driver;
        Nvrtc = nvrtc;
        Info = info;
        _device = device;
        _context = context;
    }

    public CudaDriver Driver { get; }
    public Nvrtc Nvrtc { get; }
    public CudaDeviceInfo Info { get; }

    /// <summary>Opens GPU <paramref name="ordinal"/>; <see cref="CudaUnavailableException"/> when this machine cannot run CUDA.</summary>
    public static CudaDevice Open(int ordinal = 0)
    {
        var all = CudaDeviceInfo.Query();
        if (ordinal < 0 || ordinal >= all.Count) throw new CudaUnavailableException($"there is no GPU {ordinal} (found {all.Count})");
        var driver = CudaDriver.Open();
        var nvrtc = Nvrtc.Open();
        int device = driver.Device(ordinal);
        nint context;
        driver.Check(driver.PrimaryContextRetain(&context, device), "cuDevicePrimaryCtxRetain");
        var opened = new CudaDevice(driver, nvrtc, all[ordinal], device, context);
        opened.Bind();
        return opened;
    }

    /// <summary>Makes this device's context current on the calling thread.</summary>
    public void Bind()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Driver.Check(Driver.ContextSetCurrent(_context), "cuCtxSetCurrent");
    }

    public void Check(int code, string call) => Driver.Check(code, call);

    public DeviceBuffer Allocate(long bytes) => new(this, bytes);

    /// <summary>A device copy of <paramref name="data"/> (weights, tables): uploaded once, freed with the buffer.</summary>
    public DeviceBuffer Upload<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data);
        var buffer = Allocate(Math.Max(bytes.Length, 16));
        Bind();
        fixed (byte* p = bytes) Check(Driver.MemcpyHtoD(buffer.Pointer, p, (nuint)bytes.Length), "cuMemcpyHtoD");
        return buffer;
    }

    public nint CreateStream()
    {
        Bind();
        nint stream;
        Check(Driver.StreamCreate(&stream, 1 /* CU_STREAM_NON_BLOCKING */), "cuStreamCreate");
        return stream;
    }

    public void DestroyStream(nint stream)
    {
        if (stream != 0 && !_disposed) Driver.StreamDestroy(stream);
    }

    public void Synchronize(nint stream) => Check(Driver.StreamSynchronize(stream), "cuStreamSynchronize");

    public nint CreateEvent()
    {
        nint e;
        Check(Driver.EventCreate(&e, 0), "cuEventCreate");
        return e;
    }

    public void DestroyEvent(nint e)
    {
        if (e != 0 && !_disposed) Driver.EventDestroy(e);
    }

    /// <summary>Milliseconds between two recorded events (waits for the second).</summary>
    public float ElapsedMs(nint start, nint end)
    {
        Check(Driver.EventSynchronize(end), "cuEventSynchronize");
        float ms;
        Check(Driver.EventElapsedTime(&ms, start, end), "cuEventElapsedTime");
        return ms;
    }

    public (ulong Free, ulong Total) MemoryInfo()
    {
        Bind();
        nuint free, total;
        Check(Driver.MemGetInfo(&free, &total), "cuMemGetInfo");
        return (free, total);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Driver.PrimaryContextRelease(_device);
    }
}

/// <summary>
/// Device memory owned by one object. Freed on dispose, or by the finalizer for buffers that
/// live as long as an engine (weights), which has no dispose of its own.
/// </summary>
public sealed unsafe class DeviceBuffer : IDisposable
{
    private readonly CudaDevice _device;
    private ulong _pointer;

    internal DeviceBuffer(CudaDevice device, long bytes)
    {
        _device = device;
        Bytes = bytes;
        device.Bind();
        ulong p;
        device.Check(device.Driver.MemAlloc(&p, (nuint)Math.Max(bytes, 1)), $"cuMemAlloc({bytes} bytes)");
        _pointer = p;
    }

    public ulong Pointer => _pointer != 0 ? _pointer : throw new ObjectDisposedException(nameof(DeviceBuffer));
    public long Bytes { get; }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~DeviceBuffer() => Free();

    private void Free()
    {
        ulong p = Interlocked.Exchange(ref _pointer, 0);
        if (p == 0) return;
        try
        {
            _device.Bind();
            _device.Driver.MemFree(p);
        }
        catch (ObjectDisposedException) { }
        catch (CudaException) { }
    }
}
