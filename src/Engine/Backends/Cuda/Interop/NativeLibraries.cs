using System.Runtime.InteropServices;

namespace EdgeAgent.Engine.Backends.Cuda.Interop;

/// <summary>Loads the first library of a list that exists (Jetson's JetPack 6 ships CUDA 12, desktops CUDA 13).</summary>
internal static class NativeLibraries
{
    public static nint? TryLoad(IEnumerable<string> names, out string? loaded)
    {
        foreach (var name in names)
        {
            if (NativeLibrary.TryLoad(name, out nint handle))
            {
                loaded = name;
                return handle;
            }
        }
        loaded = null;
        return null;
    }

    public static nint Export(nint library, string name, string libraryName) =>
        NativeLibrary.TryGetExport(library, name, out nint address)
            ? address
            : throw new CudaUnavailableException($"{libraryName} has no function {name} (too old a driver or toolkit?)");
}
