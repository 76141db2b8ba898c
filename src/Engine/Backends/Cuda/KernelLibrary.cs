using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using EdgeAgent.Engine.Backends.Cuda.Interop;

namespace EdgeAgent.Engine.Backends.Cuda;

/// <summary>
/// Compiled kernels for one GPU: renders a module's source, compiles it with NVRTC for the
/// device's architecture, and keeps the CUBIN — in memory for this process and on disk keyed by
/// sha256(source, options), so a rebuild compiles nothing it compiled before. Modules compile in
/// parallel (<see cref="Prepare"/>); loading into the context is serialized.
/// </summary>
public sealed unsafe class KernelLibrary
{
    private readonly CudaDevice _device;
    private readonly IReadOnlyList<string> _options;
    private readonly ConcurrentDictionary<KernelModule, Lazy<byte[]>> _cubins = new();
    private readonly Dictionary<KernelModule, nint> _modules = new();
    private readonly Dictionary<(nint, string), nint> _functions = new();
    private readonly Lock _load = new();
    private readonly ConcurrentDictionary<string, byte[]> _imported = new(StringComparer.Ordinal);
    private int _compiled, _fromDisk, _fromEngine;

    public KernelLibrary(CudaDevice device, string? cacheDirectory)
    {
        _device = device;
        _options = NvrtcOptions.For(device.Info.Architecture);
        CacheDirectory = cacheDirectory;
    }

    public string? CacheDirectory { get; }
    public int Compiled => _compiled;
    public int FromDisk => _fromDisk;
    /// <summary>Modules taken from an engine file's kernels instead of being compiled.</summary>
    public int FromEngine => _fromEngine;

    /// <summary>The cache key of <paramref name="module"/> for this GPU (what engine files store kernels under).</summary>
    public string KeyOf(KernelModule module) => CacheKey(KernelSources.Render(module), _options);

    /// <summary>Kernels carried by an engine file, used before the disk cache or the compiler.</summary>
    public void Import(IReadOnlyDictionary<string, byte[]> binaries)
    {
        foreach (var (key, cubin) in binaries)
            if (cubin.Length > 0) _imported[key] = cubin;
    }

    /// <summary>The default CUBIN cache: $EDGEAGENT_KERNEL_CACHE, else $XDG_CACHE_HOME or ~/.cache, under edgeagent/kernels.</summary>
    public static string DefaultCacheDirectory()
    {
        if (Environment.GetEnvironmentVariable("EDGEAGENT_KERNEL_CACHE") is { Length: > 0 } explicitDir) return explicitDir;
        string root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "edgeagent", "kernels");
    }

    /// <summary>The cache key of a module compiled with these options: what changes the CUBIN changes the key.</summary>
    public static string CacheKey(string source, IReadOnlyList<string> options) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(source + "\n//" + string.Join(" ", options)))).ToLowerInvariant();

    /// <summary>Compiles the modules not yet compiled, in parallel.</summary>
    public void Prepare(IEnumerable<KernelModule> modules) =>
        Parallel.ForEach(modules.Distinct().ToList(), m => _ = Cubin(m));

    public byte[] Cubin(KernelModule module) =>
        _cubins.GetOrAdd(module, m => new Lazy<byte[]>(() => CompileOrLoad(m), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>A kernel entry point of <paramref name="module"/>, compiling and loading the module on first use.</summary>
    public nint Function(KernelModule module, string kernel)
    {
        var cubin = Cubin(module);
        lock (_load)
        {
            _device.Bind();
            if (!_modules.TryGetValue(module, out nint handle))
            {
                fixed (byte* image = cubin) _device.Check(_device.Driver.ModuleLoadData(&handle, image), $"cuModuleLoadData({module})");
                _modules[module] = handle;
            }
            if (!_functions.TryGetValue((handle, kernel), out nint function))
            {
                fixed (byte* name = CudaDriver.Utf8Z(kernel))
                    _device.Check(_device.Driver.ModuleGetFunction(&function, handle, name), $"cuModuleGetFunction({kernel} in {module})");
                _functions[(handle, kernel)] = function;
            }
            return function;
        }
    }

    private byte[] CompileOrLoad(KernelModule module)
    {
        string source = KernelSources.Render(module);
        string key = CacheKey(source, _options);
        if (_imported.TryGetValue(key, out var carried))
        {
            Interlocked.Increment(ref _fromEngine);
            return carried;
        }
        string? path = CacheDirectory is null ? null : Path.Combine(CacheDirectory, key + ".cubin");
        if (path is not null && File.Exists(path))
        {
            try
            {
                var cached = File.ReadAllBytes(path);
                if (cached.Length > 0)
                {
                    Interlocked.Increment(ref _fromDisk);
                    return cached;
                }
            }
            catch (IOException) { }
        }
        byte[] cubin;
        try
        {
            cubin = _device.Nvrtc.CompileToCubin(source, module.Name + ".cu", _options);
        }
        catch (CudaException e)
        {
            throw new CudaException($"compiling kernel module {module}", e.Code, e.ErrorName);
        }
        Interlocked.Increment(ref _compiled);
        if (path is not null)
        {
            try
            {
                Directory.CreateDirectory(CacheDirectory!);
                string temp = $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
                File.WriteAllBytes(temp, cubin);
                File.Move(temp, path, overwrite: true);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return cubin;
    }
}
