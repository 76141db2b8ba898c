using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Passes;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Tests.Passes;

/// <summary>post-affine-fusion: scalar a·act(conv) + b folds into the conv; the near misses stay.</summary>
public sealed class PostAffineFusionTests(ITestOutputHelper output)
{
    private readonly Random _random = new(TestModels.NewSeed(output));

    private float[] Random(int n, float scale = 1f) => Enumerable.Range(0, n).Select(_ => (float)(_random.NextDouble() * 2 - 1) * scale).ToArray();

    /// <summary>x [1,4,8,8] -> Conv 3x3 (8 channels) -> HardSwish -> "a".</summary>
    private OnnxModelBuilder ActivatedConv()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 4, 8, 8).Output("y", DataType.Float32);
        b.Initializer("w", Random(8 * 4 * 9, 0.3f), 8, 4, 3, 3);
        b.Initializer("b", Random(8), 8);
        b.Node("Conv", "conv", ["x", "w", "b"], ["c"], OnnxAttr.Ints("pads", 1, 1, 1, 1));
        b.Node("HardSwish", "act", ["c"], ["a"]);
        return b;
    }

    [Fact]
    public void ScalarScaleAndShiftAfterTheActivationFuse()
    {
        // PP-LCNet's learnable affine block, with the constants on either side.
        var b = ActivatedConv();
        b.Initializer("scale", [1.7f], 1);
        b.Initializer("shift", [-0.3f]);
        b.Node("Mul", "mul", ["scale", "a"], ["m"]);
        b.Node("Add", "add", ["m", "shift"], ["y"]);
        var (model, report) = OptimizerHarness.OptimizeAndCompare(b, _random);
        var conv = Assert.Single(model.Graph.Nodes);
        Assert.Equal(FusedOps.FusedConv, conv.OpType);
        Assert.Equal(ActivationKind.HardSwish, Activation.FromAttributes(conv).Kind);
        Assert.Equal(1.7f, conv.GetFloat("post_scale", 1f), 6);
        Assert.Equal(-0.3f, conv.GetFloat("post_shift", 0f), 6);
        Assert.Equal("y", conv.Outputs[0].Name);
        Assert.Contains(report.Passes, p => p.Pass == "post-affine-fusion" && p.RewriteCount == 2);
    }

    [Fact]
    public void DivAndSubByAScalarFuseIntoAGemm()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 3, 16).Output("y", DataType.Float32);
        b.Initializer("w", Random(10 * 16, 0.3f), 10, 16);
        b.Initializer("bias", Random(10), 10);
        b.Initializer("d", [4f]);
        b.Initializer("s", [0.25f]);
        b.Node("Gemm", "fc", ["x", "w", "bias"], ["g"], OnnxAttr.Int("transB", 1));
        b.Node("Relu", "relu", ["g"], ["r"]);
        b.Node("Div", "div", ["r", "d"], ["q"]);
        b.Node("Sub", "sub", ["q", "s"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        var gemm = Assert.Single(model.Graph.Nodes);
        Assert.Equal(FusedOps.FusedGemm, gemm.OpType);
        Assert.Equal(0.25f, gemm.GetFloat("post_scale", 1f), 6);
        Assert.Equal(-0.25f, gemm.GetFloat("post_shift", 0f), 6);
    }

    [Fact]
    public void PerPixelConstantDoesNotFuse()
    {
        var b = ActivatedConv();
        b.Initializer("k", Random(8 * 8 * 8), 1, 8, 8, 8);
        b.Node("Mul", "mul", ["a", "k"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        Assert.Equal(1, OptimizerHarness.Ops(model)["Mul"]);
        Assert.All(model.Graph.Nodes, n => Assert.Equal(1f, n.GetFloat("post_scale", 1f)));
    }

    [Fact]
    public void ActivationReadTwiceDoesNotFuse()
    {
        var b = ActivatedConv().Output("a", DataType.Float32);
        b.Initializer("k", [2.5f]);
        b.Node("Mul", "mul", ["a", "k"], ["m"]);
        b.Node("Add", "add", ["m", "a"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        Assert.Equal(1, OptimizerHarness.Ops(model)["Mul"]);
        Assert.All(model.Graph.Nodes, n => Assert.Equal(1f, n.GetFloat("post_scale", 1f)));
    }

    [Fact]
    public void NothingFusesBehindAPostAffine()
    {
        // conv + residual, then a scalar Mul, then Relu: the Mul fuses (the residual is
        // non-linear enough to keep it out of the weights), so the Relu must stay outside.
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 8, 6, 6).Output("y", DataType.Float32);
        b.Initializer("w", Random(8 * 8 * 9, 0.2f), 8, 8, 3, 3);
        b.Initializer("k", [-1.5f]);
        b.Node("Conv", "conv", ["x", "w"], ["c"], OnnxAttr.Ints("pads", 1, 1, 1, 1));
        b.Node("Add", "res", ["c", "x"], ["s"]);
        b.Node("Mul", "mul", ["s", "k"], ["m"]);
        b.Node("Relu", "relu", ["m"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        var ops = OptimizerHarness.Ops(model);
        Assert.Equal(1, ops["Relu"]);
        var conv = model.Graph.Nodes.Single(n => n.OpType == FusedOps.FusedConv);
        Assert.Equal(-1.5f, conv.GetFloat("post_scale", 1f));
        Assert.Equal(ActivationKind.None, Activation.FromAttributes(conv).Kind);
    }
}
