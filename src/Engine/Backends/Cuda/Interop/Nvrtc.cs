using System.Runtime.InteropServices;

namespace EdgeAgent.Engine.Backends.Cuda.Interop;

/// <summary>
/// NVRTC, the runtime CUDA C++ compiler (libnvrtc.so, .so.13 or .so.12), bound at run time.
/// Compiles kernel source for the local GPU's SM into a CUBIN the driver loads.
/// </summary>
public sealed unsafe class Nvrtc
{
    private readonly delegate* unmanaged<int*, int*, int> _version;
    private readonly delegate* unmanaged<nint*, byte*, byte*, int, byte**, byte**, int> _create;
    private readonly delegate* unmanaged<nint, int, byte**, int> _compile;
    private readonly delegate* unmanaged<nint, nuint*, int> _logSize;
    private readonly delegate* unmanaged<nint, byte*, int> _log;
    private readonly delegate* unmanaged<nint, nuint*, int> _cubinSize;
    private readonly delegate* unmanaged<nint, byte*, int> _cubin;
    private readonly delegate* unmanaged<nint*, int> _destroy;
    private readonly delegate* unmanaged<int, byte*> _errorString;
    private readonly delegate* unmanaged<int*, int> _numSupportedArchs;
    private readonly delegate* unmanaged<int*, int> _supportedArchs;

    private Nvrtc(nint lib, string name)
    {
        LibraryName = name;
        nint E(string f) => NativeLibraries.Export(lib, f, name);
        _version = (delegate* unmanaged<int*, int*, int>)E("nvrtcVersion");
        _create = (delegate* unmanaged<nint*, byte*, byte*, int, byte**, byte**, int>)E("nvrtcCreateProgram");
        _compile = (delegate* unmanaged<nint, int, byte**, int>)E("nvrtcCompileProgram");
        _logSize = (delegate* unmanaged<nint, nuint*, int>)E("nvrtcGetProgramLogSize");
        _log = (delegate* unmanaged<nint, byte*, int>)E("nvrtcGetProgramLog");
        _cubinSize = (delegate* unmanaged<nint, nuint*, int>)E("nvrtcGetCUBINSize");
        _cubin = (delegate* unmanaged<nint, byte*, int>)E("nvrtcGetCUBIN");
        _destroy = (delegate* unmanaged<nint*, int>)E("nvrtcDestroyProgram");
        _errorString = (delegate* unmanaged<int, byte*>)E("nvrtcGetErrorString");
        _numSupportedArchs = (delegate* unmanaged<int*, int>)E("nvrtcGetNumSupportedArchs");
        _supportedArchs = (delegate* unmanaged<int*, int>)E("nvrtcGetSupportedArchs");
    }

    public string LibraryName { get; }

    /// <summary>Library names probed in order: the unversioned link, CUDA 13, CUDA 12.</summary>
    public static readonly string[] Candidates = ["libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12"];

    public static Nvrtc Open() =>
        NativeLibraries.TryLoad(Candidates, out var name) is { } lib
            ? new Nvrtc(lib, name!)
            : throw new CudaUnavailableException($"no NVRTC: none of {string.Join(", ", Candidates)} was found (install the CUDA runtime compiler)");

    /// <summary>The sm_XY targets this NVRTC compiles for, as XY (CUDA 13 dropped sm_72 Xavier; CUDA 12 still has it).</summary>
    public IReadOnlyList<int> SupportedArchitectures()
    {
        int count;
        Check(_numSupportedArchs(&count), "nvrtcGetNumSupportedArchs");
        var archs = new int[count];
        fixed (int* a = archs) Check(_supportedArchs(a), "nvrtcGetSupportedArchs");
        return archs;
    }

    public (int Major, int Minor) Version()
    {
        int major, minor;
        Check(_version(&major, &minor), "nvrtcVersion");
        return (major, minor);
    }

    /// <summary>Compiles <paramref name="source"/> with the given options; the compiler log is in the exception on failure.</summary>
    public byte[] CompileToCubin(string source, string programName, IReadOnlyList<string> options)
    {
        nint program;
        fixed (byte* src = CudaDriver.Utf8Z(source), name = CudaDriver.Utf8Z(programName))
            Check(_create(&program, src, name, 0, null, null), "nvrtcCreateProgram");
        try
        {
            var encoded = options.Select(CudaDriver.Utf8Z).ToArray();
            var handles = encoded.Select(o => GCHandle.Alloc(o, GCHandleType.Pinned)).ToArray();
            try
            {
                var pointers = handles.Select(h => h.AddrOfPinnedObject()).ToArray();
                int code;
                fixed (nint* opts = pointers) code = _compile(program, pointers.Length, (byte**)opts);
                if (code != 0)
                    throw new CudaException("nvrtcCompileProgram", code, $"{ErrorString(code)}: {Log(program).Trim()}");
            }
            finally { foreach (var h in handles) h.Free(); }
            nuint size;
            Check(_cubinSize(program, &size), "nvrtcGetCUBINSize");
            var cubin = new byte[size];
            fixed (byte* c = cubin) Check(_cubin(program, c), "nvrtcGetCUBIN");
            return cubin;
        }
        finally { _destroy(&program); }
    }

    private string Log(nint program)
    {
        nuint size;
        if (_logSize(program, &size) != 0 || size == 0) return "";
        var log = new byte[size];
        fixed (byte* l = log) _log(program, l);
        return System.Text.Encoding.UTF8.GetString(log).TrimEnd('\0');
    }

    private string ErrorString(int code) => Marshal.PtrToStringUTF8((nint)_errorString(code)) ?? $"error {code}";

    private void Check(int code, string call)
    {
        if (code != 0) throw new CudaException(call, code, ErrorString(code));
    }
}
