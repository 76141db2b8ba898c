using System.Runtime.CompilerServices;
using EdgeAgent.Engine.Backends.Cuda;
using EdgeAgent.Engine.Backends.Cuda.Interop;

namespace EdgeAgent.Engine.Tests.Cuda;

/// <summary>
/// A test that needs an NVIDIA GPU: reported as skipped, with the reason, on machines without one.
/// The skip is decided at discovery, so scripts/gpu-test.sh can see (and refuse) a GPU test that
/// did not run on a machine that should have one.
/// </summary>
public sealed class GpuFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Missing = new(() =>
    {
        try
        {
            CudaDeviceInfo.Query();
            return null;
        }
        catch (CudaUnavailableException e) { return $"needs a GPU: {e.Message}"; }
    });

    public GpuFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (Missing.Value is { } reason) Skip = reason;
    }
}
