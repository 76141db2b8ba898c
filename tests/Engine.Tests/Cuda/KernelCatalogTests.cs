using System.Collections.Concurrent;
using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Backends.Cuda;
using EdgeAgent.Engine.Backends.Cuda.Interop;
using EdgeAgent.Engine.Backends.Cuda.Layers;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Quantization;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Zoo;

namespace EdgeAgent.Engine.Tests.Cuda;

/// <summary>
/// The catalog of kernel modules per architecture: what the backend's tactics can ask for is in
/// it (CPU), nothing in it needs tensor cores a GPU lacks (CPU), and on a machine with NVRTC
/// every module compiles for the Jetson targets sm_87 (Orin) and sm_72 (Xavier) as well as for
/// the GPU at hand, and a real engine's modules are all in the catalog of its GPU.
/// </summary>
public sealed class KernelCatalogTests(ZooFixture zoo, ITestOutputHelper output) : IClassFixture<ZooFixture>
{
    private static readonly string[] TensorCoreModules = ["conv_mma", "qconv_mma", "qconv_nhwc"];

    private static int Define(KernelModule module, string name) => module.Defines.Single(d => d.Key == name).Value;

    /// <summary>Random convolution shapes over the axes the tactic rules look at (channels per group, K length, pixels, groups).</summary>
    private static IEnumerable<Conv2dShape> Shapes(Random random, int count)
    {
        for (int i = 0; i < count; i++)
        {
            int group = random.Next(4) == 0 ? 2 : 1, c = group * (1 + random.Next(96)), m = group * (1 + random.Next(160));
            int k = random.Next(3) switch { 0 => 1, 1 => 3, _ => 5 }, size = 4 + random.Next(60), pad = k / 2;
            yield return new Conv2dShape(1 + random.Next(3), c, size, size, m, k, k, StrideH: 1 + random.Next(2),
                PadTop: pad, PadLeft: pad, PadBottom: pad, PadRight: pad, Group: group);
        }
    }

    [Fact]
    public void XavierAndOlderGetNoTensorCoreModules()
    {
        foreach (string precision in CudaBackend.Precisions)
        {
            var modules = KernelCatalog.For(7, precision);
            Assert.DoesNotContain(modules, m => TensorCoreModules.Contains(m.Name));
            Assert.Contains(modules, m => m.Name == "conv_simt");
            Assert.Equal(precision is "int8" or "best", modules.Any(m => m.Name == "qconv"));
        }
        Assert.Throws<ArgumentException>(() => KernelCatalog.For(8, "int4"));
    }

    [Fact]
    public void OrinCatalogHoldsEveryTacticTheBackendCanOffer()
    {
        var random = new Random(TestModels.NewSeed(output));
        var fp16 = KernelCatalog.For(8, "fp16").ToHashSet();
        var int8 = KernelCatalog.For(8, "int8").ToHashSet();
        var fp32 = KernelCatalog.For(8, "fp32");
        Assert.DoesNotContain(fp32, m => m.Name == "conv_mma" || Define(m, "STORAGE_HALF") != 0);
        // Every pipeline depth and copy width of the NHWC kernel is there, each passing the kernel's rules.
        var nhwc = int8.Where(m => m.Name == "qconv_nhwc").ToList();
        Assert.Equal([2, 3, 4], nhwc.Select(m => Define(m, "STAGES")).Distinct().Order());
        Assert.Equal([4, 8, 16], nhwc.Select(m => Define(m, "VEC")).Distinct().Order());
        Assert.All(QConvNhwcTactics.AllKernels(), c => Assert.True(QConvNhwcTactics.Valid(c) && c.SharedBytes <= QConvNhwcTactics.MaxSharedBytes, c.Name));
        int offered = 0;
        foreach (var shape in Shapes(random, 60))
        {
            foreach (var config in CudaConvTactics.Enumerate(shape, tensorCores: true, multiprocessors: 16))
                foreach (bool pointwise in new[] { false, true })
                {
                    Assert.Contains(CudaConvLayer.ModuleOf(config, pointwise, halfStorage: true), fp16);
                    if (config.TensorCores) Assert.Contains(CudaQConvLayer.ModuleOf(config, halfStorage: true), int8);
                    offered++;
                }
            foreach (var config in QConvNhwcTactics.Enumerate(shape, multiprocessors: 16))
            {
                Assert.Contains(CudaQConvNhwcLayer.ModuleOf(config, halfStorage: true), int8);
                offered++;
            }
        }
        Assert.True(offered > 1000, $"only {offered} tactics checked");
        Assert.All(int8, m => Assert.Contains("__global__", KernelSources.Render(m)));
    }

    /// <summary>
    /// Compiles every catalog module for sm_87, sm_72 and this GPU's architecture with NVRTC (the
    /// GPU machine has it even though it runs neither Jetson), for each target the NVRTC offers
    /// (CUDA 13 dropped sm_72). About 180 modules, in parallel.
    /// </summary>
    [GpuFact]
    public void EveryModuleCompilesForOrinXavierAndThisGpu()
    {
        var nvrtc = Nvrtc.Open();
        var here = CudaDeviceInfo.Query()[0];
        var supported = nvrtc.SupportedArchitectures();
        output.WriteLine($"NVRTC {string.Join('.', nvrtc.Version())} targets sm_{string.Join(", sm_", supported)}");
        var wanted = new (string Architecture, int Major, int Code)[] { ("sm_87", 8, 87), ("sm_72", 7, 72), (here.Architecture, here.SmMajor, here.SmMajor * 10 + here.SmMinor) };
        // CUDA 13's NVRTC no longer targets sm_72: Xavier's kernels are then checked only where an NVRTC 12 runs.
        foreach (var (architecture, _, _) in wanted.Where(w => !supported.Contains(w.Code)))
            output.WriteLine($"{architecture}: not a target of this NVRTC, not compiled here");
        Assert.Contains(87, supported);
        var targets = wanted.Where(w => supported.Contains(w.Code)).Select(w => (w.Architecture, w.Major)).Distinct().ToArray();
        var work = targets.SelectMany(t => CudaBackend.Precisions.SelectMany(p => KernelCatalog.For(t.Major, p)).Distinct().Select(m => (t.Architecture, Module: m))).ToList();
        var failures = new ConcurrentBag<string>();
        var sizes = new ConcurrentDictionary<string, long>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Parallel.ForEach(work, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, item =>
        {
            try
            {
                var cubin = nvrtc.CompileToCubin(KernelSources.Render(item.Module), item.Module.Name + ".cu", NvrtcOptions.For(item.Architecture));
                Assert.True(cubin.Length > 0);
                sizes.AddOrUpdate(item.Architecture, cubin.Length, (_, total) => total + cubin.Length);
            }
            catch (Exception e) { failures.Add($"{item.Module} for {item.Architecture}: {e.Message.Split('\n')[0]}"); }
        });
        foreach (var (architecture, _) in targets)
            output.WriteLine($"{architecture}: {work.Count(w => w.Architecture == architecture)} modules, {sizes.GetValueOrDefault(architecture) / 1024} KiB of CUBIN");
        output.WriteLine($"compiled {work.Count} in {clock.Elapsed.TotalSeconds:F1} s with NVRTC {string.Join('.', nvrtc.Version())}");
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(10)));
        // The Xavier catalog is the CUDA-core subset of Orin's: the same sources, no tensor-core module.
        Assert.True(CudaBackend.Precisions.SelectMany(p => KernelCatalog.For(7, p)).All(m => CudaBackend.Precisions.SelectMany(p => KernelCatalog.For(8, p)).Contains(m)));
    }

    /// <summary>What real FP16 and INT8 engines compile on this GPU is in its catalog (the catalog is complete for them).</summary>
    [GpuFact]
    public void RealEnginesCompileOnlyCatalogModules()
    {
        var here = CudaDeviceInfo.Query()[0];
        var random = new Random(TestModels.NewSeed(output));
        int[] shape = [1, 3, 224, 224];
        foreach (string precision in new[] { "fp16", "int8" })
        {
            var calibration = new List<IReadOnlyDictionary<string, Tensor>>
            {
                new Dictionary<string, Tensor> { ["input"] = TestModels.RandomTensor(random, shape) },
            };
            var config = new BuilderConfig
            {
                Backend = new CudaBackend(precision), Precision = precision,
                Calibration = precision == "int8" ? new CalibrationOptions { Data = calibration } : null,
            };
            var (engine, _) = EngineBuilder.Build(zoo.PathOf("resnet18"), config,
                new Dictionary<string, TensorShape> { ["input"] = TensorShape.Of(shape) });
            var catalog = KernelCatalog.For(here.SmMajor, precision).ToHashSet();
            var used = engine.Layers.OfType<CudaLayer>().SelectMany(l => l.Modules).Distinct().ToList();
            output.WriteLine($"resnet18 {precision}: {used.Count} modules: {string.Join(", ", used)}");
            Assert.NotEmpty(used);
            Assert.All(used, m => Assert.Contains(m, catalog));
        }
    }
}
