using EdgeAgent.Engine.Backends.Cpu;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Format;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Tests.Cuda;

/// <summary>
/// A GPU engine loads only on the GPU, SM version, driver and storage type it was built for. The
/// engine file here carries a CUDA fingerprint as the CUDA backend writes it; "this machine" is a
/// backend reporting a (doctored) GPU fingerprint, so the check runs without a GPU: it happens
/// before any kernel is touched.
/// </summary>
public sealed class CudaFingerprintTests
{
    private static DeviceFingerprint H100(string gpu = "NVIDIA H100 80GB HBM3", string sm = "sm_90", string driver = "13.0", string storage = "fp16") =>
        new("cuda", gpu, sm, ["dp4a", "mma.f16", "mma.s8"], new Dictionary<string, string> { ["cuda-driver"] = driver, ["nvrtc"] = "13.0", ["storage"] = storage });

    /// <summary>The CPU's kernels under another device's fingerprint: compiles only if the fingerprints agree.</summary>
    private sealed class DeviceWithFingerprint(DeviceFingerprint fingerprint) : IBackend, IKernelBinaryStore
    {
        private readonly CpuBackend _cpu = new(1);
        public IReadOnlyDictionary<string, byte[]>? Imported { get; private set; }
        public IReadOnlyDictionary<string, byte[]> ExportKernels(InferenceEngine engine) =>
            new Dictionary<string, byte[]> { ["module-a"] = [1, 2, 3], ["module-b"] = [.. Enumerable.Range(0, 300).Select(i => (byte)i)] };
        public void ImportKernels(IReadOnlyDictionary<string, byte[]> binaries) => Imported = binaries;
        public string Name => "cuda";
        public DeviceFingerprint Fingerprint => fingerprint;
        public int MaxThreads => 1;
        public bool Supports(Node node) => _cpu.Supports(node);
        public IReadOnlyList<Tactic> Tactics(LayerSpec layer) => _cpu.Tactics(layer);
        public long WorkspaceBytes(LayerSpec layer, Tactic tactic) => _cpu.WorkspaceBytes(layer, tactic);
        public bool CanRunInPlace(Node node, int input) => _cpu.CanRunInPlace(node, input);
        public bool IsView(Node node) => _cpu.IsView(node);
        public ICompiledLayer Compile(LayerSpec layer, Tactic tactic) => _cpu.Compile(layer, tactic);
    }

    private static EnginePlan CudaEngineFile()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 4, 8, 8).Output("y", DataType.Float32);
        b.Node("Relu", "r", ["x"], ["y"]);
        string model = WriteModel(b);
        try
        {
            var built = EngineBuilder.BuildFile(model, new BuilderConfig { Backend = new DeviceWithFingerprint(H100()), Autotune = false });
            return EngineSerializer.Read(EngineSerializer.Write(built.Plan), "t.engine");
        }
        finally { File.Delete(model); }
    }

    private static string WriteModel(OnnxModelBuilder b)
    {
        string path = Path.Combine(Path.GetTempPath(), $"edgeagent-fp-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, b.ToBytes());
        return path;
    }

    [Fact]
    public void TheEngineFileRecordsTheGpuFingerprint()
    {
        var plan = CudaEngineFile();
        Assert.Equal("cuda", plan.Fingerprint.Backend);
        Assert.Equal("sm_90", plan.Fingerprint.Architecture);
        Assert.Equal("13.0", plan.Fingerprint.Versions["cuda-driver"]);
        Assert.Equal("fp16", plan.Fingerprint.Versions["storage"]);
        using var context = plan.Compile(new DeviceWithFingerprint(H100())).CreateContext(1);
        var x = Tensor.FromFloats([.. Enumerable.Range(0, 256).Select(i => i % 7 - 3f)], 1, 4, 8, 8);
        Assert.Equal(x.Floats.Select(v => MathF.Max(v, 0)), context.Run(new Dictionary<string, Tensor> { ["x"] = x })["y"].Floats);
    }

    [Fact]
    public void CompiledKernelsTravelInTheEngineFileAndReachTheLoadingBackend()
    {
        var plan = CudaEngineFile();
        Assert.Equal(["module-a", "module-b"], plan.KernelBinaries.Keys.Order());
        Assert.Equal([1, 2, 3], plan.KernelBinaries["module-a"]);
        Assert.Equal(300, plan.KernelBinaries["module-b"].Length);
        var loader = new DeviceWithFingerprint(H100());
        plan.Compile(loader);
        Assert.NotNull(loader.Imported);
        Assert.Equal(plan.KernelBinaries["module-b"], loader.Imported!["module-b"]);
    }

    [Theory]
    [InlineData("gpu", "device: built for 'NVIDIA H100 80GB HBM3'")]
    [InlineData("sm", "architecture: built for 'sm_90'")]
    [InlineData("driver", "cuda-driver: built with '13.0'")]
    [InlineData("storage", "storage: built with 'fp16'")]
    public void ADifferentGpuSmDriverOrStorageIsRefusedNamingTheField(string doctored, string expected)
    {
        var plan = CudaEngineFile();
        var here = doctored switch
        {
            "gpu" => H100(gpu: "NVIDIA H200"),
            "sm" => H100(sm: "sm_87"),
            "driver" => H100(driver: "12.6"),
            _ => H100(storage: "fp32"),
        };
        var error = Assert.Throws<EngineFormatException>(() => plan.Compile(new DeviceWithFingerprint(here)));
        Assert.Equal(EngineLoadError.FingerprintMismatch, error.Kind);
        Assert.Contains(expected, error.Message);
        Assert.Contains("rebuild it here", error.Message);
    }
}
