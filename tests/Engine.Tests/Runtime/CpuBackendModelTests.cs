using EdgeAgent.Engine.Backends.Cpu;
using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Oracle;
using EdgeAgent.Engine.Tests.Zoo;

namespace EdgeAgent.Engine.Tests.Runtime;

/// <summary>The CPU backend must match the reference executor on every model, at several thread counts.</summary>
public sealed class CpuBackendModelTests(ZooFixture zoo, ITestOutputHelper output) : IClassFixture<ZooFixture>
{
    public static TheoryData<string, string, int[], int> Cases() => new()
    {
        { "det", "x", [1, 3, 640, 640], 2 },
        { "det", "x", [1, 3, 480, 800], 1 },
        { "cls", "x", [1, 3, 48, 192], 1 },
        { "cls", "x", [1, 3, 48, 192], 2 },
        { "resnet50", "input", [1, 3, 224, 224], 2 },
        { "mobilenetv2", "input", [1, 3, 224, 224], 1 },
        { "yolov5s", "images", [1, 3, 640, 640], 2 },
        { "vit_tiny", "input", [1, 3, 224, 224], 2 },
        { "mobilevit_s", "input", [1, 3, 128, 128], 1 },
    };

    private string PathOf(string name) => name switch
    {
        "det" => TestModels.OcrDetector,
        "cls" => TestModels.OcrClassifier,
        _ => zoo.PathOf(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheReference(string name, string input, int[] shape, int threads)
    {
        var random = new Random(TestModels.NewSeed(output));
        var tensor = name == "det" ? TestModels.RandomDocument(random, shape[2], shape[3]) : TestModels.RandomTensor(random, shape);
        var inputs = new Dictionary<string, Tensor> { [input] = tensor };
        var expected = new ReferenceExecutor(TestModels.Load(PathOf(name), (input, shape))).Run(inputs);

        var (engine, _) = EngineBuilder.Build(PathOf(name), new BuilderConfig { Backend = new CpuBackend() },
            new Dictionary<string, TensorShape> { [input] = TensorShape.Of(shape) });
        using var context = engine.CreateContext(threads);
        output.WriteLine(engine.Plan.ToString());
        var actual = context.Run(inputs);
        foreach (var (outputName, value) in expected)
            TensorAssert.AssertClose(value, actual[outputName], 1e-4, $"{name} output '{outputName}' on {threads} thread(s)");
        // A second run on the same context must give the same answer (no state leaks between runs).
        var again = context.Run(inputs);
        foreach (var (outputName, value) in actual) Assert.Equal(value.Floats, again[outputName].Floats);
    }

    /// <summary>
    /// The attention-class zoo models (a ViT and a MobileViT-style hybrid: attention, LayerNormalization,
    /// GELU or SiLU MLPs, patch unfold and fold) on the CPU backend against ONNX Runtime.
    /// </summary>
    [Theory]
    [InlineData("vit_tiny", 224)]
    [InlineData("mobilevit_s", 128)]
    public void AttentionModelsMatchOnnxRuntime(string name, int size)
    {
        var random = new Random(TestModels.NewSeed(output));
        int[] shape = [1, 3, size, size];
        var inputs = new Dictionary<string, Tensor> { ["input"] = TestModels.RandomTensor(random, shape) };
        var expected = OrtOracle.Run(zoo.PathOf(name), inputs)["logits"];
        var (engine, _) = EngineBuilder.Build(zoo.PathOf(name), new BuilderConfig { Backend = new CpuBackend() },
            new Dictionary<string, TensorShape> { ["input"] = TensorShape.Of(shape) });
        using var context = engine.CreateContext(2);
        var actual = context.Run(inputs)["logits"];
        output.WriteLine($"{name} vs ONNX Runtime: rel L2 {TensorAssert.RelativeL2(expected, actual):E2}; {engine.Layers.Count} layers");
        TensorAssert.AssertClose(expected, actual, 1e-4, $"{name} logits");
    }
}
