using EdgeAgent.Engine.Backends.Cuda;

namespace EdgeAgent.Engine.Tests.Cuda;

/// <summary>Kernel templates, module rendering, the NVRTC command line and the CUBIN cache key: everything that needs no GPU.</summary>
public sealed class KernelSourceTests
{
    [Fact]
    public void EveryKernelFileIsEmbedded()
    {
        var files = KernelSources.Files();
        foreach (var expected in new[] { "common.cuh", "conv_store.cuh", "mma.cuh", "qconv.cuh", "conv_mma.cu", "conv_simt.cu", "conv_direct.cu", "elementwise.cu", "qconv.cu", "qconv_mma.cu" })
            Assert.Contains(expected, files);
        Assert.All(files, f => Assert.False(string.IsNullOrWhiteSpace(KernelSources.Read(f))));
    }

    [Fact]
    public void AModuleIsItsDefinesThenTheSharedHeadersThenItsFile()
    {
        var module = KernelModule.Of("conv_mma", ("BN", 64), ("BM", 128), ("STORAGE_HALF", 1));
        string source = KernelSources.Render(module);
        int bm = source.IndexOf("#define BM 128", StringComparison.Ordinal), bn = source.IndexOf("#define BN 64", StringComparison.Ordinal);
        int common = source.IndexOf("struct Epilogue", StringComparison.Ordinal), store = source.IndexOf("conv_splitk_reduce", StringComparison.Ordinal);
        int kernel = source.IndexOf("extern \"C\" __global__ void __launch_bounds__(NTHREADS) conv_mma", StringComparison.Ordinal);
        Assert.True(bm >= 0 && bn > bm, "defines come first, sorted by name");
        Assert.True(common > bn && store > common && kernel > store, "then common.cuh, conv_store.cuh and conv_mma.cu");
        Assert.DoesNotContain("#include", source);
    }

    [Fact]
    public void EveryModuleKindRendersWithTheHeadersItsKernelsUse()
    {
        foreach (var (name, kernel) in new[] { ("conv_mma", "conv_mma("), ("conv_simt", "conv_simt("), ("conv_direct", "conv_depthwise("),
                     ("elementwise", "binary_broadcast("), ("qconv", "qconv_dp4a("), ("qconv_mma", "qconv_mma(") })
        {
            string source = KernelSources.Render(KernelModule.Of(name, ("BM", 64), ("BN", 64), ("WARPS_M", 2), ("WARPS_N", 2), ("STORAGE_HALF", 1)));
            Assert.Contains(kernel, source);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(source, "struct ConvParams"));
            Assert.True(System.Text.RegularExpressions.Regex.Matches(source, "struct QConvParams").Count <= 1, name);
        }
        Assert.Contains("stage_warp_row", KernelSources.Render(KernelModule.Of("qconv_mma")));
    }

    [Fact]
    public void ModulesWithTheSameDefinesAreEqualWhateverTheOrder()
    {
        var a = KernelModule.Of("conv_mma", ("BM", 64), ("BN", 32));
        var b = KernelModule.Of("conv_mma", ("BN", 32), ("BM", 64));
        var c = KernelModule.Of("conv_mma", ("BN", 64), ("BM", 64));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.Equal(KernelSources.Render(a), KernelSources.Render(b));
    }

    [Fact]
    public void NvrtcCompilesForTheGivenArchitectureWithoutFastMath()
    {
        var options = NvrtcOptions.For("sm_87");
        Assert.Contains("--gpu-architecture=sm_87", options);
        Assert.DoesNotContain(options, o => o.Contains("fast-math", StringComparison.Ordinal));
        Assert.Contains("--gpu-architecture=sm_90a", NvrtcOptions.For("sm_90a"));
        Assert.Throws<ArgumentException>(() => NvrtcOptions.For("compute_90; rm -rf /"));
        Assert.Throws<ArgumentException>(() => NvrtcOptions.For(""));
    }

    [Fact]
    public void TheCacheKeyChangesWithTheSourceAndTheOptionsOnly()
    {
        string source = KernelSources.Render(KernelModule.Of("elementwise", ("STORAGE_HALF", 1)));
        string key = KernelLibrary.CacheKey(source, NvrtcOptions.For("sm_90"));
        Assert.Equal(key, KernelLibrary.CacheKey(source, NvrtcOptions.For("sm_90")));
        Assert.NotEqual(key, KernelLibrary.CacheKey(source, NvrtcOptions.For("sm_87")));
        Assert.NotEqual(key, KernelLibrary.CacheKey(source + " ", NvrtcOptions.For("sm_90")));
        Assert.Matches("^[0-9a-f]{64}$", key);
    }

    [Fact]
    public void TheKernelCacheFolderFollowsTheEnvironment()
    {
        string? saved = Environment.GetEnvironmentVariable("EDGEAGENT_KERNEL_CACHE");
        try
        {
            Environment.SetEnvironmentVariable("EDGEAGENT_KERNEL_CACHE", "/tmp/edgeagent-kernels-test");
            Assert.Equal("/tmp/edgeagent-kernels-test", KernelLibrary.DefaultCacheDirectory());
            Environment.SetEnvironmentVariable("EDGEAGENT_KERNEL_CACHE", null);
            Assert.EndsWith(Path.Combine("edgeagent", "kernels"), KernelLibrary.DefaultCacheDirectory());
        }
        finally { Environment.SetEnvironmentVariable("EDGEAGENT_KERNEL_CACHE", saved); }
    }
}
