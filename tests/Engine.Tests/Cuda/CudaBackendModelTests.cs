using EdgeAgent.Engine.Backends.Cuda;
using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Oracle;
using EdgeAgent.Engine.Tests.Zoo;

namespace EdgeAgent.Engine.Tests.Cuda;

/// <summary>
/// The CUDA backend against the reference executor on real models, FP32 and FP16, with the
/// CUDA Graph replay, a second context sharing the weights, and engine files. Skipped (with the
/// reason) where there is no GPU; scripts/gpu-check.sh runs the same checks from the published
/// binary on the GPU machine.
/// </summary>
public sealed class CudaBackendModelTests(ZooFixture zoo, ITestOutputHelper output) : IClassFixture<ZooFixture>
{
    private (InferenceEngine Engine, IReadOnlyDictionary<string, Tensor> Expected, Dictionary<string, Tensor> Inputs) Build(
        string path, string input, int[] shape, string precision, bool document = false)
    {
        var random = new Random(TestModels.NewSeed(output));
        var tensor = document ? TestModels.RandomDocument(random, shape[2], shape[3]) : TestModels.RandomTensor(random, shape);
        var inputs = new Dictionary<string, Tensor> { [input] = tensor };
        var expected = new ReferenceExecutor(TestModels.Load(path, (input, shape))).Run(inputs);
        var (engine, _) = EngineBuilder.Build(path, new BuilderConfig { Backend = new CudaBackend(precision), Precision = precision },
            new Dictionary<string, TensorShape> { [input] = TensorShape.Of(shape) });
        return (engine, expected, inputs);
    }

    [GpuFact]
    public void ResNet50Fp32MatchesTheReference()
    {
        var (engine, expected, inputs) = Build(zoo.PathOf("resnet50"), "input", [1, 3, 224, 224], "fp32");
        using var context = engine.CreateContext();
        var actual = context.Run(inputs);
        TensorAssert.AssertClose(expected["logits"], actual["logits"], 1e-4, "resnet50 fp32 on the GPU");
    }

    [GpuFact]
    public void DetectorFp16IsCloseAndReplaysIdentically()
    {
        var (engine, expected, inputs) = Build(TestModels.OcrDetector, "x", [1, 3, 640, 640], "fp16", document: true);
        using var context = engine.CreateContext();
        var first = context.Run(inputs);
        foreach (var (name, want) in expected)
            Assert.True(TensorMetrics.Cosine(want, first[name]) > 0.999, $"{name}: cosine {TensorMetrics.Cosine(want, first[name])}");
        // The second run replays the captured CUDA Graph; it must give the same bits.
        var second = context.Run(inputs);
        foreach (var (name, value) in first) Assert.Equal(value.Floats, second[name].Floats);
    }

    [GpuFact]
    public void TwoContextsOfOneEngineRunConcurrently()
    {
        var (engine, expected, inputs) = Build(zoo.PathOf("mobilenetv2"), "input", [1, 3, 224, 224], "fp16");
        var results = new IReadOnlyDictionary<string, Tensor>[2];
        Parallel.For(0, 2, i =>
        {
            using var context = engine.CreateContext();
            for (int run = 0; run < 5; run++) results[i] = context.Run(inputs);
        });
        Assert.Equal(results[0]["logits"].Floats, results[1]["logits"].Floats);
        Assert.True(TensorMetrics.Cosine(expected["logits"], results[0]["logits"]) > 0.999);
    }

    [GpuFact]
    public void AnFp16EngineFileLoadsOnlyIntoAnFp16Backend()
    {
        var result = EngineBuilder.BuildFile(zoo.PathOf("resnet18"), new BuilderConfig { Backend = new CudaBackend("fp16"), Precision = "fp16", Autotune = false },
            new Dictionary<string, TensorShape> { ["input"] = TensorShape.Of(1, 3, 224, 224) });
        Assert.Equal("fp16", result.Plan.Fingerprint.Versions["storage"]);
        var error = Assert.Throws<EdgeAgent.Engine.Format.EngineFormatException>(() => result.Plan.Compile(new CudaBackend("fp32")));
        Assert.Contains("storage", error.Message);
        Assert.Throws<EngineUserException>(() => EngineBuilder.Build(zoo.PathOf("resnet18"),
            new BuilderConfig { Backend = new CudaBackend("fp16"), Precision = "fp32" }));
    }
}
