using EdgeAgent.Engine.Backends.Cpu;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Tests.Runtime;

public sealed class MemoryPlannerTests(ITestOutputHelper output)
{
    private static InferenceEngine Build(OnnxModelBuilder b, bool optimize = false) =>
        EngineBuilder.Build(OnnxImporter.FromBytes(b.ToBytes(), null, "t"), new BuilderConfig { Backend = new CpuBackend(), Optimize = optimize }).Engine;

    private const int Size = 1 * 4 * 16 * 16;
    private const long Bytes = Size * 4;

    [Fact]
    public void ChainOfElementwiseOpsRunsInPlace()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 4, 16, 16).Output("y", DataType.Float32);
        b.Node("Relu", "a", ["x"], ["a"]);
        b.Node("Sigmoid", "s", ["a"], ["s"]);
        b.Node("Tanh", "t", ["s"], ["t"]);
        b.Node("HardSwish", "h", ["t"], ["y"]);
        var engine = Build(b);
        // The input stays intact (a caller may re-run it); the chain then lives in one more buffer,
        // except the graph output, which must not be shared with anything still needed.
        Assert.True(engine.Plan.ArenaBytes <= 3 * Bytes, engine.Plan.ToString());
        Assert.Equal(5 * Bytes, engine.Plan.ActivationBytes);
        var plan = engine.Plan;
        var graph = engine.Model.Graph;
        Assert.Equal(plan.OffsetOf(graph.FindValue("a")!), plan.OffsetOf(graph.FindValue("t")!));
        Assert.NotEqual(plan.OffsetOf(graph.FindValue("x")!), plan.OffsetOf(graph.FindValue("a")!));
    }

    [Fact]
    public void ValuesStillNeededAreNeverOverwritten()
    {
        // x feeds a branch that is read again at the end: its buffer must survive the middle.
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 4, 16, 16).Output("y", DataType.Float32);
        b.Node("Relu", "a", ["x"], ["a"]);
        b.Node("Sigmoid", "s", ["a"], ["s"]);
        b.Node("Tanh", "t", ["s"], ["t"]);
        b.Node("Add", "add", ["t", "a"], ["y"]);
        var engine = Build(b);
        var plan = engine.Plan;
        var g = engine.Model.Graph;
        Assert.NotEqual(plan.OffsetOf(g.FindValue("a")!), plan.OffsetOf(g.FindValue("s")!));
        Assert.NotEqual(plan.OffsetOf(g.FindValue("a")!), plan.OffsetOf(g.FindValue("t")!));
        using var context = engine.CreateContext(1);
        var x = TestModels.RandomTensor(new Random(TestModels.NewSeed(output)), 1, 4, 16, 16);
        var y = context.Run(new Dictionary<string, Tensor> { ["x"] = x })["y"].Floats;
        var xs = x.Floats;
        for (int i = 0; i < Size; i++)
        {
            float a = MathF.Max(xs[i], 0);
            Assert.Equal(MathF.Tanh(1f / (1f + MathF.Exp(-a))) + a, y[i], 1e-5f);
        }
    }

    [Fact]
    public void ReshapeSharesItsInputAndPlannedConcatInputsAreSlices()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 4, 16, 16).Output("y", DataType.Float32);
        b.Node("Relu", "a", ["x"], ["a"]);
        b.Node("Sigmoid", "s", ["x"], ["s"]);
        b.Node("Concat", "cat", ["a", "s"], ["c"], OnnxAttr.Int("axis", 1));
        b.Initializer("shape", new long[] { 1, 8, 256 }, 3);
        b.Node("Reshape", "r", ["c", "shape"], ["r"]);
        b.Node("Tanh", "t", ["r"], ["y"]);
        var engine = Build(b, optimize: true);
        var plan = engine.Plan;
        var g = engine.Model.Graph;
        long concat = plan.OffsetOf(g.FindValue("c")!);
        Assert.Equal(concat, plan.OffsetOf(g.FindValue("a")!));
        Assert.Equal(concat + Bytes, plan.OffsetOf(g.FindValue("s")!));
        Assert.Equal(concat, plan.OffsetOf(g.FindValue("r")!));
    }

    [Fact]
    public void OcrDetectorArenaIsMuchSmallerThanItsActivations()
    {
        var (engine, _) = EngineBuilder.Build(TestModels.OcrDetector, new BuilderConfig { Backend = new CpuBackend() },
            new Dictionary<string, TensorShape> { ["x"] = TensorShape.Of(1, 3, 640, 640) });
        output.WriteLine($"PP-OCRv4 det 640x640: {engine.Plan}");
        Assert.True(engine.Plan.ArenaBytes < engine.Plan.ActivationBytes, engine.Plan.ToString());
        Assert.True(engine.Plan.ArenaBytes * 4 < engine.Plan.ActivationBytes, $"expected at least 4x reuse: {engine.Plan}");
    }
}
