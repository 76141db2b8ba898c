using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Passes;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Tests.Passes;

/// <summary>Folding, removal and planning passes on small graphs.</summary>
public sealed class CleanupPassTests(ITestOutputHelper output)
{
    private readonly Random _random = new(TestModels.NewSeed(output));

    private float[] Random(int n) => Enumerable.Range(0, n).Select(_ => (float)(_random.NextDouble() * 2 - 1)).ToArray();

    [Fact]
    public void ShapeArithmeticFoldsAwayOnceShapesAreKnown()
    {
        // The exporter idiom Shape -> Gather -> Unsqueeze -> Concat -> Reshape, plus a Constant node.
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 2, 3, 4).Output("y", DataType.Float32);
        b.Op("Shape", "s", ["x"]);
        b.Node("Constant", "zero_node", [], ["zero"], OnnxAttr.Tensor("value", Tensor.FromLongs([0])));
        b.Op("Gather", "n", ["s", "zero"], OnnxAttr.Int("axis", 0));
        b.Initializer("ax", new long[] { 0 }, 1);
        b.Op("Unsqueeze", "n1", ["n", "ax"]);
        b.Initializer("rest", new long[] { -1 }, 1);
        b.Op("Concat", "target", ["n1", "rest"], OnnxAttr.Int("axis", 0));
        b.Node("Reshape", "reshape", ["x", "target"], ["r"]);
        b.Node("Relu", "relu", ["r"], ["y"]);
        var (model, report) = OptimizerHarness.OptimizeAndCompare(b, _random);
        Assert.Equal(new Dictionary<string, int> { ["Reshape"] = 1, ["Relu"] = 1 }, OptimizerHarness.Ops(model));
        Assert.Equal(new long[] { 2, -1 }, model.Graph.Nodes.Single(n => n.OpType == "Reshape").Input(1)!.Constant!.Longs);
        Assert.True(report.Passes.Single(p => p.Pass == "constant-folding").Rewrites.ContainsKey("Shape of a static shape"));
    }

    [Fact]
    public void IdentityAndDropoutDisappearButOutputNamesStay()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 4).Output("y", DataType.Float32);
        b.Node("Relu", "relu", ["x"], ["r"]);
        b.Node("Identity", "id", ["r"], ["i"]);
        b.Node("Dropout", "drop", ["i"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        var relu = Assert.Single(model.Graph.Nodes);
        Assert.Equal("y", relu.Outputs[0].Name);
        Assert.Equal("y", model.Graph.Outputs[0].Name);
    }

    [Fact]
    public void IdentityOfAGraphInputToAGraphOutputStays()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 4).Output("y", DataType.Float32);
        b.Node("Identity", "id", ["x"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        Assert.Equal("Identity", Assert.Single(model.Graph.Nodes).OpType);
    }

    [Fact]
    public void DeadBranchesAreRemovedAndDuplicatesMerged()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 4).Output("y", DataType.Float32);
        b.Node("Sigmoid", "s1", ["x"], ["a"]);
        b.Node("Sigmoid", "s2", ["x"], ["b"]); // computes the same as s1
        b.Node("Tanh", "unused", ["x"], ["t"]); // read by nothing
        b.Node("Add", "add", ["a", "b"], ["y"]);
        var (model, report) = OptimizerHarness.OptimizeAndCompare(b, _random);
        Assert.Equal(new Dictionary<string, int> { ["Sigmoid"] = 1, ["Add"] = 1 }, OptimizerHarness.Ops(model));
        Assert.Contains(report.Passes, p => p.Rewrites.ContainsKey("duplicate Sigmoid merged"));
        Assert.Contains(report.Passes, p => p.Rewrites.ContainsKey("unused Tanh removed"));
    }

    [Theory]
    [InlineData(new long[] { 0, 2, 1 }, new long[] { 0, 2, 1 }, 0)] // inverse pair: both go
    [InlineData(new long[] { 1, 2, 0 }, new long[] { 1, 2, 0 }, 1)] // composes to another permutation: one stays
    public void TransposePairsCancelOrMerge(long[] first, long[] second, int remaining)
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 2, 3, 4).Output("y", DataType.Float32);
        b.Node("Transpose", "t1", ["x"], ["a"], OnnxAttr.Ints("perm", first));
        b.Node("Transpose", "t2", ["a"], ["c"], OnnxAttr.Ints("perm", second));
        b.Node("Relu", "relu", ["c"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        Assert.Equal(remaining, OptimizerHarness.Ops(model).GetValueOrDefault("Transpose"));
    }

    [Fact]
    public void ReshapeThereAndBackCancels()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 2, 12).Output("y", DataType.Float32);
        b.Initializer("s1", new long[] { 2, 3, 4 }, 3);
        b.Initializer("s2", new long[] { 2, 12 }, 2);
        b.Node("Reshape", "r1", ["x", "s1"], ["a"]);
        b.Node("Reshape", "r2", ["a", "s2"], ["c"]);
        b.Node("Relu", "relu", ["c"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        Assert.Equal(new Dictionary<string, int> { ["Relu"] = 1 }, OptimizerHarness.Ops(model));
    }

    [Fact]
    public void ConcatInputsFromComputingNodesArePlannedInPlace()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 4, 5, 5).Output("y", DataType.Float32);
        b.Node("Relu", "a", ["x"], ["ra"]);
        b.Node("Sigmoid", "s", ["x"], ["rs"]);
        b.Node("Concat", "cat", ["ra", "rs", "x"], ["y"], OnnxAttr.Int("axis", 1)); // x is a graph input: not planned
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        var graph = model.Graph;
        Assert.Equal(0, graph.FindValue("ra")!.Placement!.Offset);
        Assert.Equal(4, graph.FindValue("rs")!.Placement!.Offset);
        Assert.Same(graph.FindValue("y"), graph.FindValue("rs")!.Placement!.Target);
        Assert.Null(graph.FindValue("x")!.Placement);
    }

    [Fact]
    public void ConcatWithABatchOfTwoIsNotPlanned()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 2, 4, 5).Output("y", DataType.Float32);
        b.Node("Relu", "a", ["x"], ["ra"]);
        b.Node("Sigmoid", "s", ["x"], ["rs"]);
        b.Node("Concat", "cat", ["ra", "rs"], ["y"], OnnxAttr.Int("axis", 1));
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        Assert.Null(model.Graph.FindValue("ra")!.Placement);
    }

    [Fact]
    public void PassesCanBeRunOnTheirOwn()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 4, 5, 5).Output("y", DataType.Float32);
        b.Initializer("w", Random(4 * 4), 4, 4, 1, 1);
        b.Node("Conv", "conv", ["x", "w"], ["c"]);
        b.Node("Relu", "relu", ["c"], ["y"]);
        var (model, report) = OptimizerHarness.OptimizeAndCompare(b, _random, [new DeadCodeElimination()]);
        Assert.Equal(2, model.Graph.Nodes.Count);
        Assert.Single(report.Passes);
    }
}
