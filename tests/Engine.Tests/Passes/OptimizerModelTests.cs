using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Passes;
using EdgeAgent.Engine.Tests.Zoo;

namespace EdgeAgent.Engine.Tests.Passes;

/// <summary>The whole pipeline on real and generated models: same outputs, expected fusions, a fixed point.</summary>
public sealed class OptimizerModelTests(ZooFixture zoo, ITestOutputHelper output) : IClassFixture<ZooFixture>
{
    public static TheoryData<string, string, int[]> Models() => new()
    {
        { "det", "x", [1, 3, 640, 640] },
        { "cls", "x", [1, 3, 48, 192] },
        { "resnet50", "input", [1, 3, 224, 224] },
        { "mobilenetv2", "input", [1, 3, 224, 224] },
        { "yolov5s", "images", [1, 3, 640, 640] },
    };

    private string PathOf(string name) => name switch
    {
        "det" => TestModels.OcrDetector,
        "cls" => TestModels.OcrClassifier,
        _ => zoo.PathOf(name),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void OptimizedGraphGivesTheSameOutputs(string name, string input, int[] shape)
    {
        var random = new Random(TestModels.NewSeed(output));
        // On pure noise the detector's sigmoid outputs are all tiny, so a logit rounding
        // difference of 1e-5 is already a relative output error of 1e-5; a document image puts
        // them across [0, 1] (see ReferenceVsOrtTests).
        var inputs = name == "det"
            ? new Dictionary<string, EdgeAgent.Engine.Tensors.Tensor> { [input] = TestModels.RandomDocument(random, shape[2], shape[3]) }
            : null;
        var (optimized, report) = OptimizerHarness.OptimizeAndCompare(File.ReadAllBytes(PathOf(name)),
            new Dictionary<string, int[]> { [input] = shape }, random, inputs: inputs);
        output.WriteLine($"{name}: {report.NodesBefore} -> {report.NodesAfter} nodes");
        Assert.True(report.NodesAfter < report.NodesBefore);

        // A second run over the optimized graph finds nothing left to do.
        var again = new GraphOptimizer(new ReferenceConstantEvaluator()).Optimize(optimized);
        Assert.Equal(0, again.Passes.Sum(p => p.RewriteCount));
        Assert.Equal(report.OpsAfter, again.OpsAfter);
    }

    [Fact]
    public void ResNet50EndsAsFusedConvsAndAHead()
    {
        var model = OptimizerHarness.Load(File.ReadAllBytes(zoo.PathOf("resnet50")), new Dictionary<string, int[]> { ["input"] = [1, 3, 224, 224] });
        var report = new GraphOptimizer(new ReferenceConstantEvaluator()).Optimize(model);
        var expected = new Dictionary<string, int>
        {
            [FusedOps.FusedConv] = 53, ["MaxPool"] = 1, ["GlobalAveragePool"] = 1, ["Flatten"] = 1, ["Gemm"] = 1,
        };
        Assert.Equal(expected.OrderBy(e => e.Key), report.OpsAfter.OrderBy(e => e.Key));
        // Every residual Add went into a conv epilogue, followed by its Relu.
        var withResidual = model.Graph.Nodes.Where(n => n.HasInput(3)).ToList();
        Assert.Equal(16, withResidual.Count);
        Assert.All(withResidual, n => Assert.Equal(ActivationKind.Relu, Activation.FromAttributes(n).Kind));
    }

    [Fact]
    public void OcrDetectorKeepsNoBatchNormHardSwishPatternOrConstant()
    {
        var model = OptimizerHarness.Load(File.ReadAllBytes(TestModels.OcrDetector), new Dictionary<string, int[]> { ["x"] = [1, 3, 640, 640] });
        var report = new GraphOptimizer(new ReferenceConstantEvaluator()).Optimize(model);
        foreach (var op in new[] { "BatchNormalization", "Constant", "HardSwish", "HardSigmoid", "Clip", "Div", "Conv", "ConvTranspose", "Relu", "Sigmoid" })
            Assert.False(report.OpsAfter.ContainsKey(op), $"{op} left after optimization");
        Assert.Equal(64, report.OpsAfter[FusedOps.FusedConv]);
        // The 24 scalar a·act(conv) + b blocks fold into their convs; what stays is the
        // squeeze-and-excitation gates (10 Mul) and the feature-pyramid sums (11 Add).
        Assert.Equal(10, report.OpsAfter["Mul"]);
        Assert.Equal(11, report.OpsAfter["Add"]);
    }

    [Fact]
    public void DynamicShapesStayDynamic()
    {
        // Without --shape the detector's dims are symbolic; the optimizer must still work.
        var model = Engine.Onnx.OnnxImporter.Load(TestModels.OcrDetector);
        EdgeAgent.Engine.Graph.ShapeInference.Run(model, null, new ReferenceConstantEvaluator());
        var report = new GraphOptimizer(new ReferenceConstantEvaluator()).Optimize(model);
        Assert.Equal(64, report.OpsAfter[FusedOps.FusedConv]);
        Assert.False(model.Graph.Inputs[0].Shape!.IsStatic);
    }
}
