using EdgeAgent.Engine.Backends.Cuda.Interop;

namespace EdgeAgent.Engine.Backends.Cuda;

/// <summary>
/// Proves the whole toolchain on this machine: compiles a header-free kernel with NVRTC for the
/// GPU's own SM, loads the CUBIN, runs it on device memory and checks the result on the host.
/// </summary>
public static unsafe class CudaSelfTest
{
    private const string Source = """
        extern "C" __global__ void saxpy(int n, float a, const float* x, float* y)
        {
            int i = blockIdx.x * blockDim.x + threadIdx.x;
            if (i < n) y[i] = a * x[i] + y[i];
        }
        """;

    /// <summary>Runs the check on device 0; returns a one-line summary, throws on any failure.</summary>
    public static string Run(int elements = 1 << 20)
    {
        var driver = CudaDriver.Open();
        var nvrtc = Nvrtc.Open();
        int device = driver.Device(0);
        int major = driver.Attribute(device, CudaDriver.AttributeComputeCapabilityMajor);
        int minor = driver.Attribute(device, CudaDriver.AttributeComputeCapabilityMinor);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var cubin = nvrtc.CompileToCubin(Source, "saxpy.cu", [$"--gpu-architecture=sm_{major}{minor}", "--std=c++17"]);
        double compileMs = clock.Elapsed.TotalMilliseconds;

        nint context;
        driver.Check(driver.PrimaryContextRetain(&context, device), "cuDevicePrimaryCtxRetain");
        try
        {
            driver.Check(driver.ContextSetCurrent(context), "cuCtxSetCurrent");
            nint module, function;
            fixed (byte* image = cubin) driver.Check(driver.ModuleLoadData(&module, image), "cuModuleLoadData");
            try
            {
                fixed (byte* name = CudaDriver.Utf8Z("saxpy")) driver.Check(driver.ModuleGetFunction(&function, module, name), "cuModuleGetFunction");
                var x = new float[elements];
                var y = new float[elements];
                for (int i = 0; i < elements; i++) { x[i] = i % 1000 * 0.001f; y[i] = 1f - i % 7; }
                nuint bytes = (nuint)(elements * sizeof(float));
                ulong dx, dy;
                driver.Check(driver.MemAlloc(&dx, bytes), "cuMemAlloc");
                driver.Check(driver.MemAlloc(&dy, bytes), "cuMemAlloc");
                try
                {
                    fixed (float* px = x, py = y)
                    {
                        driver.Check(driver.MemcpyHtoD(dx, px, bytes), "cuMemcpyHtoD");
                        driver.Check(driver.MemcpyHtoD(dy, py, bytes), "cuMemcpyHtoD");
                    }
                    int n = elements;
                    float a = 2.5f;
                    void** args = stackalloc void*[] { &n, &a, &dx, &dy };
                    uint blocks = (uint)((elements + 255) / 256);
                    driver.Check(driver.LaunchKernel(function, blocks, 1, 1, 256, 1, 1, 0, 0, args, null), "cuLaunchKernel");
                    driver.Check(driver.ContextSynchronize(), "cuCtxSynchronize");
                    var result = new float[elements];
                    fixed (float* pr = result) driver.Check(driver.MemcpyDtoH(pr, dy, bytes), "cuMemcpyDtoH");
                    for (int i = 0; i < elements; i++)
                    {
                        float expected = 2.5f * x[i] + y[i];
                        if (MathF.Abs(result[i] - expected) > 1e-5f * MathF.Max(1, MathF.Abs(expected)))
                            throw new InvalidOperationException($"GPU result {result[i]} at {i} differs from {expected}");
                    }
                }
                finally
                {
                    driver.MemFree(dx);
                    driver.MemFree(dy);
                }
            }
            finally { driver.ModuleUnload(module); }
        }
        finally { driver.PrimaryContextRelease(device); }
        return $"NVRTC compiled saxpy for sm_{major}{minor} in {compileMs:F0} ms ({cubin.Length} byte CUBIN); {elements} elements on the GPU match the host";
    }
}
