using EdgeAgent.Engine.Backends.Cuda;
using EdgeAgent.Engine.Backends.Cuda.Interop;

namespace EdgeAgent.Engine.Tests.Cuda;

/// <summary>A test that needs an NVIDIA GPU: reported as skipped, with the reason, on machines without one.</summary>
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

    public GpuFactAttribute()
    {
        if (Missing.Value is { } reason) Skip = reason;
    }
}
