using EdgeAgent.Engine.Backends.Cuda;
using EdgeAgent.Engine.Backends.Cuda.Interop;

namespace EdgeAgent.Engine.Tests.Cuda;

/// <summary>
/// On a machine without an NVIDIA driver (CI, the development VM) the CUDA layer must say so
/// cleanly; on a GPU machine it must compile and run a kernel. Either way something is asserted.
/// </summary>
public sealed class CudaInteropTests(ITestOutputHelper output)
{
    [Fact]
    public void NoGpuIsACleanConditionAndAGpuRunsAKernel()
    {
        IReadOnlyList<CudaDeviceInfo> gpus;
        try { gpus = CudaDeviceInfo.Query(); }
        catch (CudaUnavailableException e)
        {
            output.WriteLine($"CUDA tests skipped on this machine: {e.Message}");
            Assert.Matches("NVIDIA driver|no GPU|NVRTC", e.Message);
            Assert.IsAssignableFrom<EngineUserException>(e);
            return;
        }
        Assert.NotEmpty(gpus);
        Assert.StartsWith("sm_", gpus[0].Architecture);
        output.WriteLine(CudaSelfTest.Run(1 << 16));
    }

    [Fact]
    public void NvrtcIsProbedFromNewestToOldest() =>
        Assert.Equal(["libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12"], Nvrtc.Candidates);

    [Fact]
    public void DriverErrorsCarryTheCallAndTheName()
    {
        var e = new CudaException("cuMemAlloc", 2, "CUDA_ERROR_OUT_OF_MEMORY");
        Assert.Equal("cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY (2)", e.Message);
    }
}
