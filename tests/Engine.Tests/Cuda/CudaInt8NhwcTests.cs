using EdgeAgent.Engine.Backends.Cuda;
using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Passes;
using EdgeAgent.Engine.Quantization;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Oracle;
using EdgeAgent.Engine.Tests.Zoo;

namespace EdgeAgent.Engine.Tests.Cuda;

/// <summary>
/// The channels-last INT8 tensor-core convolution on the GPU against the reference executor
/// running the very graph the engine runs (quantized and made NHWC by the builder), on random
/// weights and inputs: odd channel counts (8- and 4-byte copies, a ragged last channel block),
/// stride, dilation, groups, batch 2, residual adds, K long enough for split-K, and every
/// tactic the builder offers taken in turn. Accumulation is exact, so only the float epilogue's
/// rounding may differ.
/// </summary>
public sealed class CudaInt8NhwcTests(ZooFixture zoo, ITestOutputHelper output) : IClassFixture<ZooFixture>
{
    /// <summary>Takes the tactics of the NHWC layers in turn (a different one per layer and per offset), the first elsewhere.</summary>
    private sealed class RotatingSelector(int offset) : ITacticSelector
    {
        private int _next = offset;
        public Dictionary<string, Tactic> Chosen { get; } = [];

        public Tactic Choose(IBackend backend, LayerSpec layer, IReadOnlyList<Tactic> tactics)
        {
            if (!QConvNhwcConfig.IsTactic(tactics[0])) return tactics[0];
            var tactic = tactics[_next++ * 7 % tactics.Count];
            Chosen[tactic.Name] = tactic;
            return tactic;
        }
    }

    private static string Conv(OnnxModelBuilder b, Random random, string x, int c, int m, int k, int stride = 1, int dilation = 1, int group = 1)
    {
        int fan = c / group * k * k;
        var w = new float[m * fan];
        for (int i = 0; i < w.Length; i++) w[i] = (float)((random.NextDouble() * 2 - 1) * Math.Sqrt(3.0 / fan));
        var bias = new float[m];
        for (int i = 0; i < m; i++) bias[i] = (float)(random.NextDouble() * 0.2 - 0.1);
        string name = $"conv{random.Next()}";
        int pad = (k - 1) / 2 * dilation;
        return b.Op("Conv", [x, b.Initializer(name + "_w", w, m, c / group, k, k), b.Initializer(name + "_b", bias, m)],
            OnnxAttr.Ints("kernel_shape", k, k), OnnxAttr.Ints("strides", stride, stride), OnnxAttr.Ints("dilations", dilation, dilation),
            OnnxAttr.Ints("pads", pad, pad, pad, pad), OnnxAttr.Int("group", group));
    }

    /// <summary>A small network of every convolution form the kernel takes, with residual adds between int8 layers.</summary>
    internal static byte[] Network(Random random, int batch, int height, int width)
    {
        var b = new OnnxModelBuilder("nhwc-int8");
        b.Input("x", DataType.Float32, batch, 16, height, width);
        string a = b.Op("Relu", [Conv(b, random, "x", 16, 40, 3)]);                       // VEC 16, M not a multiple of 32
        string s = b.Op("Relu", [Conv(b, random, a, 40, 24, 3, stride: 2)]);              // C = 40: VEC 8
        string d = Conv(b, random, s, 24, 24, 3, dilation: 2);                              // dilation, then a residual add
        string r = b.Op("Relu", [b.Op("Add", [d, s])]);
        string g = b.Op("Relu", [Conv(b, random, r, 24, 24, 3, group: 6)]);               // 4 channels per group: VEC 4
        string p = b.Op("Relu", [Conv(b, random, g, 24, 20, 1)]);                          // 1x1, M = 20: a ragged block of 8 channels
        string l = b.Op("Relu", [Conv(b, random, b.Op("Relu", [Conv(b, random, p, 20, 256, 1)]), 256, 96, 3)]); // K = 2304: split-K
        string e = Conv(b, random, l, 96, 96, 1);
        string y = b.Op("Add", "y", [e, l]);
        b.Output(y, DataType.Float32);
        return b.ToBytes();
    }

    private (Dictionary<string, Tensor> Inputs, List<IReadOnlyDictionary<string, Tensor>> Calibration) Data(Random random, string input, int[] shape)
    {
        var calibration = new List<IReadOnlyDictionary<string, Tensor>>();
        for (int i = 0; i < 3; i++) calibration.Add(new Dictionary<string, Tensor> { [input] = TestModels.RandomTensor(random, shape) });
        return (new Dictionary<string, Tensor> { [input] = TestModels.RandomTensor(random, shape) }, calibration);
    }

    private BuildResult BuildInt8(string path, string input, int[] shape, List<IReadOnlyDictionary<string, Tensor>> calibration, ITacticSelector? selector) =>
        EngineBuilder.BuildFile(path, new BuilderConfig
        {
            Backend = new CudaBackend("int8"), Precision = "int8", TacticSelector = selector,
            Calibration = new CalibrationOptions { Data = calibration, Method = CalibrationMethod.Percentile },
        }, new Dictionary<string, TensorShape> { [input] = TensorShape.Of(shape) });

    /// <summary>The reference executor's outputs for the graph the engine file holds (same scales, same layouts).</summary>
    private static IReadOnlyDictionary<string, Tensor> ReferenceOf(EnginePlan plan, Dictionary<string, Tensor> inputs)
    {
        var model = plan.LoadGraph();
        ShapeInference.Run(model, inputs.ToDictionary(i => i.Key, i => TensorShape.Of(i.Value.Shape)), new ReferenceConstantEvaluator());
        return new ReferenceExecutor(model).Run(inputs);
    }

    /// <summary>
    /// The GPU keeps float residuals and outputs in FP16 and rounds requantization ties its own way, so
    /// an int8 value can land one step away from the reference's and the step carries down the chain:
    /// eight chained layers measured cosine 0.99975, ResNet-50 0.99998. A wrong index, group or
    /// channel block scrambles whole channels and drops the cosine far below 0.999.
    /// </summary>
    private void AssertMatches(Tensor expected, Tensor actual, string label, double minCosine = 0.9999)
    {
        double cosine = TensorAssert.Cosine(expected, actual), maxAbs = TensorAssert.MaxAbs(expected, actual);
        double range = expected.Floats.Max(v => Math.Abs(v));
        output.WriteLine($"{label}: cosine {cosine:F7}, max abs {maxAbs:E3} of range {range:E3}");
        Assert.True(cosine > minCosine, $"{label}: cosine {cosine}");
        Assert.True(maxAbs <= 0.03 * range, $"{label}: max abs {maxAbs} over 3% of the output range {range}");
    }

    [GpuFact]
    public void EveryConvolutionFormAndTacticMatchesTheReference()
    {
        var random = new Random(TestModels.NewSeed(output));
        string path = Path.Combine(Path.GetTempPath(), $"edgeagent-nhwc-{Guid.NewGuid():N}.onnx");
        try
        {
            foreach (var (batch, h, w) in new[] { (1, 19, 23), (2, 12, 10) })
            {
                File.WriteAllBytes(path, Network(random, batch, h, w));
                int[] shape = [batch, 16, h, w];
                var (inputs, calibration) = Data(random, "x", shape);
                var chosen = new Dictionary<string, Tactic>();
                for (int offset = 0; offset < 3; offset++)
                {
                    var selector = new RotatingSelector(offset);
                    var result = BuildInt8(path, "x", shape, calibration, selector);
                    foreach (var (name, tactic) in selector.Chosen) chosen[name] = tactic;
                    Assert.Equal(8, result.NhwcLayers);
                    // One transform in (after the input's QuantizeLinear) and one out: the chain stays channels-last.
                    Assert.Equal(2, result.LayoutTransforms);
                    using var context = result.Engine.CreateContext();
                    var actual = context.Run(inputs)["y"];
                    AssertMatches(ReferenceOf(result.Plan, inputs)["y"], actual, $"batch {batch} {h}x{w} offset {offset}", minCosine: 0.999);
                    Assert.Equal(actual.Floats, context.Run(inputs)["y"].Floats);
                }
                output.WriteLine($"tactics run: {string.Join(", ", chosen.Keys.Order())}");
                Assert.Contains(chosen.Values, t => QConvNhwcConfig.FromTactic(t).Splits > 1);
                Assert.True(chosen.Count >= 10, $"only {chosen.Count} distinct tactics ran");
            }
        }
        finally { File.Delete(path); }
    }

    [GpuFact]
    public void ResNet50Int8RunsChannelsLastOnTensorCoresAndMatchesTheReference()
    {
        var random = new Random(TestModels.NewSeed(output));
        int[] shape = [1, 3, 224, 224];
        var (inputs, calibration) = Data(random, "input", shape);
        var result = BuildInt8(zoo.PathOf("resnet50"), "input", shape, calibration, null);
        var layers = result.Engine.Order.Where(n => n.OpType == QuantizedOps.QConv).ToList();
        output.WriteLine($"{result.NhwcLayers} NHWC layers, {result.LayoutTransforms} layout transforms; tactics {string.Join(", ", result.Plan.Tactics.Values.Select(t => t.Name).Distinct())}");
        // Every convolution but the 3-channel stem reads NHWC int8; transforms only at the chain's two ends.
        Assert.Equal(53, layers.Count);
        Assert.Equal(52, result.NhwcLayers);
        Assert.Equal(2, result.LayoutTransforms);
        Assert.Equal(52, result.Plan.Tactics.Values.Count(QConvNhwcConfig.IsTactic));
        using var context = result.Engine.CreateContext();
        AssertMatches(ReferenceOf(result.Plan, inputs)["logits"], context.Run(inputs)["logits"], "resnet50 int8");
    }
}
