using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Tests.Passes;

/// <summary>Each fusion on a small graph: the pattern that must fuse, and a near miss that must not.</summary>
public sealed class FusionPassTests(ITestOutputHelper output)
{
    private readonly Random _random = new(TestModels.NewSeed(output));

    private float[] Random(int n, float scale = 1f) => Enumerable.Range(0, n).Select(_ => (float)(_random.NextDouble() * 2 - 1) * scale).ToArray();
    private float[] Positive(int n) => Enumerable.Range(0, n).Select(_ => 0.5f + (float)_random.NextDouble()).ToArray();

    /// <summary>x [1,4,8,8] -> Conv 3x3 (8 channels) named "conv" -> "c".</summary>
    private OnnxModelBuilder ConvModel(int outChannels = 8, int kernel = 3)
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 4, 8, 8).Output("y", DataType.Float32);
        b.Initializer("w", Random(outChannels * 4 * kernel * kernel, 0.3f), outChannels, 4, kernel, kernel);
        b.Initializer("b", Random(outChannels), outChannels);
        b.Node("Conv", "conv", ["x", "w", "b"], ["c"], OnnxAttr.Ints("pads", kernel / 2, kernel / 2, kernel / 2, kernel / 2));
        return b;
    }

    private void AddBatchNorm(OnnxModelBuilder b, string input, string output, int channels = 8)
    {
        b.Initializer($"{output}_g", Positive(channels), channels);
        b.Initializer($"{output}_beta", Random(channels), channels);
        b.Initializer($"{output}_m", Random(channels), channels);
        b.Initializer($"{output}_v", Positive(channels), channels);
        b.Node("BatchNormalization", $"bn_{output}", [input, $"{output}_g", $"{output}_beta", $"{output}_m", $"{output}_v"], [output]);
    }

    [Fact]
    public void ConvBatchNormReluBecomesOneFusedConv()
    {
        var b = ConvModel();
        AddBatchNorm(b, "c", "n");
        b.Node("Relu", "relu", ["n"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        Assert.Equal(new Dictionary<string, int> { [FusedOps.FusedConv] = 1 }, OptimizerHarness.Ops(model));
        Assert.Equal(ActivationKind.Relu, Activation.FromAttributes(model.Graph.Nodes[0]).Kind);
        Assert.Equal("y", model.Graph.Nodes[0].Outputs[0].Name);
    }

    [Fact]
    public void BatchNormWhoseInputHasTwoReadersIsNotFolded()
    {
        var b = ConvModel();
        AddBatchNorm(b, "c", "n");
        b.Node("Add", "add", ["n", "c"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        Assert.Equal(1, OptimizerHarness.Ops(model)["BatchNormalization"]);
    }

    [Fact]
    public void PerChannelMulAndAddFoldIntoTheConv()
    {
        var b = ConvModel();
        b.Initializer("scale", Random(8), 1, 8, 1, 1);
        b.Initializer("shift", Random(8), 8, 1, 1);
        b.Node("Mul", "mul", ["c", "scale"], ["m"]);
        b.Node("Add", "add", ["shift", "m"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        Assert.Equal(new Dictionary<string, int> { [FusedOps.FusedConv] = 1 }, OptimizerHarness.Ops(model));
    }

    [Fact]
    public void MulByAPerPixelConstantIsNotFolded()
    {
        var b = ConvModel();
        b.Initializer("mask", Random(64), 1, 1, 8, 8);
        b.Node("Mul", "mul", ["c", "mask"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        Assert.Equal(1, OptimizerHarness.Ops(model)["Mul"]);
    }

    [Theory]
    [InlineData(0f, 6f, true)]
    [InlineData(0f, 5f, false)]
    public void ClipHardSwishPatternNeedsBoundsZeroAndSix(float lo, float hi, bool fuses)
    {
        // x * Clip(x + 3, lo, hi) / 6, as PaddleOCR exports HardSwish.
        var b = ConvModel();
        b.Initializer("three", [3f]);
        b.Initializer("lo", [lo]);
        b.Initializer("hi", [hi]);
        b.Initializer("six", [6f]);
        b.Node("Add", "add3", ["c", "three"], ["s"]);
        b.Node("Clip", "clip", ["s", "lo", "hi"], ["k"]);
        b.Node("Mul", "mul", ["c", "k"], ["p"]);
        b.Node("Div", "div", ["p", "six"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        var ops = OptimizerHarness.Ops(model);
        if (fuses)
        {
            Assert.Equal(new Dictionary<string, int> { [FusedOps.FusedConv] = 1 }, ops);
            Assert.Equal(ActivationKind.HardSwish, Activation.FromAttributes(model.Graph.Nodes[0]).Kind);
        }
        else
        {
            Assert.False(ops.ContainsKey("HardSwish"));
            Assert.Equal(1, ops["Clip"]);
        }
    }

    [Fact]
    public void HardSigmoidGateTimesItsInputIsHardSwish()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 2, 16).Output("y", DataType.Float32);
        b.Node("HardSigmoid", "hs", ["x"], ["g"], OnnxAttr.Float("alpha", 1f / 6f), OnnxAttr.Float("beta", 0.5f));
        b.Node("Mul", "mul", ["g", "x"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        Assert.Equal(new Dictionary<string, int> { ["HardSwish"] = 1 }, OptimizerHarness.Ops(model));
    }

    [Fact]
    public void SigmoidGateOnAnotherTensorIsNotSilu()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 2, 16).Input("z", DataType.Float32, 2, 16).Output("y", DataType.Float32).Output("y2", DataType.Float32);
        b.Node("Sigmoid", "sig", ["z"], ["g"]);
        b.Node("Mul", "mul", ["x", "g"], ["y"]);
        b.Node("Sigmoid", "sig2", ["x"], ["g2"]);
        b.Node("Mul", "mul2", ["x", "g2"], ["y2"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        var ops = OptimizerHarness.Ops(model);
        Assert.Equal(1, ops[FusedOps.Silu]);
        Assert.Equal(1, ops["Sigmoid"]);
    }

    [Theory]
    [InlineData(1.4142135f, true)]
    [InlineData(1.7320508f, false)]
    public void GeluErfPatternIsRecognized(float divisor, bool fuses)
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 4, 32).Output("y", DataType.Float32);
        b.Initializer("w", Random(32 * 32, 0.2f), 32, 32);
        b.Node("MatMul", "mm", ["x", "w"], ["h"]);
        b.Initializer("sqrt2", [divisor]);
        b.Initializer("one", [1f]);
        b.Initializer("half", [0.5f]);
        b.Node("Div", "div", ["h", "sqrt2"], ["d"]);
        b.Node("Erf", "erf", ["d"], ["e"]);
        b.Node("Add", "plus", ["e", "one"], ["p"]);
        b.Node("Mul", "mul", ["h", "p"], ["q"]);
        b.Node("Mul", "half_mul", ["q", "half"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        var ops = OptimizerHarness.Ops(model);
        if (fuses)
        {
            Assert.Equal(new Dictionary<string, int> { [FusedOps.FusedMatMul] = 1 }, ops);
            Assert.Equal(ActivationKind.Gelu, Activation.FromAttributes(model.Graph.Nodes[0]).Kind);
        }
        else Assert.Equal(1, ops["Erf"]);
    }

    [Fact]
    public void ResidualAddFusesBeforeTheActivation()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 8, 6, 6).Output("y", DataType.Float32);
        b.Initializer("w", Random(8 * 8 * 9, 0.2f), 8, 8, 3, 3);
        b.Node("Conv", "conv", ["x", "w"], ["c"], OnnxAttr.Ints("pads", 1, 1, 1, 1));
        b.Node("Add", "add", ["c", "x"], ["s"]);
        b.Node("Relu", "relu", ["s"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        var conv = Assert.Single(model.Graph.Nodes);
        Assert.Equal("x", conv.Input(3)!.Name);
        Assert.Equal(ActivationKind.Relu, Activation.FromAttributes(conv).Kind);
        Assert.Equal(0, conv.GetInt("activation_first", -1));
    }

    [Fact]
    public void ResidualAfterAnActivationKeepsTheOrder()
    {
        // YOLO's bottleneck: x + SiLU(conv(x)).
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 8, 6, 6).Output("y", DataType.Float32);
        b.Initializer("w", Random(8 * 8, 0.3f), 8, 8, 1, 1);
        b.Node("Conv", "conv", ["x", "w"], ["c"]);
        b.Node("Sigmoid", "sig", ["c"], ["g"]);
        b.Node("Mul", "silu", ["c", "g"], ["a"]);
        b.Node("Add", "add", ["x", "a"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        var conv = Assert.Single(model.Graph.Nodes);
        Assert.Equal(ActivationKind.Silu, Activation.FromAttributes(conv).Kind);
        Assert.Equal(1, conv.GetInt("activation_first", -1));
    }

    [Fact]
    public void ConvOutputReadTwiceGetsNoResidual()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 8, 6, 6).Output("y", DataType.Float32).Output("c", DataType.Float32);
        b.Initializer("w", Random(8 * 8, 0.3f), 8, 8, 1, 1);
        b.Node("Conv", "conv", ["x", "w"], ["c"]);
        b.Node("Add", "add", ["c", "x"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        Assert.Equal(1, OptimizerHarness.Ops(model)["Add"]);
    }

    [Fact]
    public void SiblingPointwiseConvsMergeButA3x3SiblingDoesNot()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 8, 6, 6)
            .Output("y1", DataType.Float32).Output("y2", DataType.Float32).Output("y3", DataType.Float32);
        b.Initializer("w1", Random(4 * 8, 0.3f), 4, 8, 1, 1);
        b.Initializer("w2", Random(6 * 8, 0.3f), 6, 8, 1, 1);
        b.Initializer("b2", Random(6), 6);
        b.Initializer("w3", Random(4 * 8 * 9, 0.3f), 4, 8, 3, 3);
        b.Node("Conv", "c1", ["x", "w1"], ["y1"]);
        b.Node("Conv", "c2", ["x", "w2", "b2"], ["y2"]);
        b.Node("Conv", "c3", ["x", "w3"], ["y3"], OnnxAttr.Ints("pads", 1, 1, 1, 1));
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        var ops = OptimizerHarness.Ops(model);
        Assert.Equal(2, ops[FusedOps.FusedConv]);
        Assert.Equal(1, ops["Split"]);
    }

    [Fact]
    public void AttentionProjectionsMergeIntoOneMatMul()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 2, 5, 16)
            .Output("q", DataType.Float32).Output("k", DataType.Float32).Output("v", DataType.Float32);
        foreach (var name in new[] { "q", "k", "v" })
        {
            b.Initializer($"w{name}", Random(16 * 16, 0.3f), 16, 16);
            b.Node("MatMul", $"mm_{name}", ["x", $"w{name}"], [name]);
        }
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        Assert.Equal(new Dictionary<string, int> { ["MatMul"] = 1, ["Split"] = 1 }, OptimizerHarness.Ops(model));
    }

    [Fact]
    public void MatMulPlusBiasBecomesGemm()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 3, 8).Input("z", DataType.Float32, 3, 4)
            .Output("y", DataType.Float32).Output("y2", DataType.Float32);
        b.Initializer("w", Random(32), 8, 4);
        b.Initializer("bias", Random(4), 4);
        b.Node("MatMul", "mm", ["x", "w"], ["m"]);
        b.Node("Add", "add", ["m", "bias"], ["y"]);
        b.Initializer("w2", Random(32), 8, 4);
        b.Node("MatMul", "mm2", ["x", "w2"], ["m2"]);
        b.Node("Add", "add2", ["m2", "z"], ["y2"]); // not a constant bias: stays
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        var ops = OptimizerHarness.Ops(model);
        Assert.Equal(1, ops["Gemm"]);
        Assert.Equal(1, ops["Add"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LayerNormChainIsRecognizedOnlyOverTrailingAxes(bool trailing)
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 2, 6, 10).Output("y", DataType.Float32);
        long axis = trailing ? -1 : 1;
        int size = trailing ? 10 : 6;
        var normShape = trailing ? new[] { 10 } : new[] { 6, 1 };
        b.Initializer("axes", new[] { axis }, 1);
        b.Initializer("two", [2f]);
        b.Initializer("eps", [1e-5f]);
        b.Initializer("gamma", Positive(size), normShape);
        b.Initializer("beta", Random(size), normShape);
        b.Node("ReduceMean", "mean", ["x", "axes"], ["mu"]);
        b.Node("Sub", "sub", ["x", "mu"], ["d"]);
        b.Node("Pow", "pow", ["d", "two"], ["d2"]);
        b.Node("ReduceMean", "var", ["d2", "axes"], ["v"]);
        b.Node("Add", "addeps", ["v", "eps"], ["ve"]);
        b.Node("Sqrt", "sqrt", ["ve"], ["s"]);
        b.Node("Div", "div", ["d", "s"], ["n"]);
        b.Node("Mul", "mulg", ["n", "gamma"], ["ng"]);
        b.Node("Add", "addb", ["ng", "beta"], ["y"]);
        var (model, _) = OptimizerHarness.OptimizeAndCompare(b, _random);
        var ops = OptimizerHarness.Ops(model);
        if (trailing) Assert.Equal(new Dictionary<string, int> { ["LayerNormalization"] = 1 }, ops);
        else Assert.False(ops.ContainsKey("LayerNormalization"));
    }
}
