using EdgeAgent.Engine.Backends.Cpu;
using EdgeAgent.Engine.Backends.Cuda.Layers;
using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Passes;
using EdgeAgent.Engine.Quantization;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Zoo;

namespace EdgeAgent.Engine.Tests.Passes;

/// <summary>
/// The channels-last layout pass on real quantized graphs: the reference executor gives the same
/// bits before and after (a QConv's arithmetic does not depend on the storage order), chains of
/// NHWC layers hand each other channels-last tensors with transforms only at their edges, and the
/// CUDA kernel's rule picks what the GPU build picks.
/// </summary>
public sealed class NhwcLayoutPassTests(ZooFixture zoo, ITestOutputHelper output) : IClassFixture<ZooFixture>
{
    private static readonly ReferenceConstantEvaluator Evaluator = new();

    /// <summary>The quantized, fused graph an INT8 build produces (CPU build: the graph is the same for every backend until the layout pass).</summary>
    /// <param name="gpuRewrite">Quantize as a CUDA build does (grouped convolutions INT8, depthwise ones not).</param>
    private static (Func<Model> Load, Dictionary<string, Tensor> Inputs) Quantized(string path, string input, int[] shape, Random random, bool gpuRewrite = false)
    {
        var calibration = new List<IReadOnlyDictionary<string, Tensor>>();
        for (int i = 0; i < 2; i++) calibration.Add(new Dictionary<string, Tensor> { [input] = TestModels.RandomTensor(random, shape) });
        var result = EngineBuilder.BuildFile(path, new BuilderConfig
        {
            Backend = new CpuBackend(), Precision = "int8", Autotune = false,
            Calibration = new CalibrationOptions
            {
                Data = calibration, Method = CalibrationMethod.Percentile,
                Rewrite = gpuRewrite ? new Int8RewriteOptions(Depthwise: false, Grouped: true) : new Int8RewriteOptions(),
            },
        }, new Dictionary<string, TensorShape> { [input] = TensorShape.Of(shape) });
        var inputs = new Dictionary<string, Tensor> { [input] = TestModels.RandomTensor(random, shape) };
        return (() =>
        {
            var model = result.Plan.LoadGraph();
            ShapeInference.Run(model, inputs.ToDictionary(i => i.Key, i => TensorShape.Of(i.Value.Shape)), Evaluator);
            return model;
        }, inputs);
    }

    public static TheoryData<string, string, int[]> Models() => new()
    {
        { "resnet18", "input", [1, 3, 224, 224] },
        { "mobilenetv2", "input", [1, 3, 224, 224] },
        { "yolov5s", "images", [1, 3, 640, 640] },
        { "ppocr-det", "x", [1, 3, 64, 96] },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryQConvChannelsLastGivesTheSameBits(string name, string input, int[] shape)
    {
        var random = new Random(TestModels.NewSeed(output));
        var (load, inputs) = Quantized(name == "ppocr-det" ? TestModels.OcrDetector : zoo.PathOf(name), input, shape, random);
        var before = load();
        int candidates = before.Graph.Nodes.Count(NhwcLayoutPass.IsCandidate);
        var expected = new ReferenceExecutor(before).Run(inputs);

        var after = load();
        int made = NhwcLayoutPass.Apply(after, Evaluator, _ => true);
        int transforms = NhwcLayoutPass.LayoutTransforms(after.Graph);
        output.WriteLine($"{name}: {made} of {candidates} QConv layers NHWC, {transforms} layout transforms, {after.Graph.Nodes.Count} nodes");
        Assert.True(candidates > 0);
        Assert.Equal(candidates, made);
        Assert.Equal(0, after.Graph.Nodes.Count(NhwcLayoutPass.IsCandidate));
        Assert.All(after.Graph.Nodes.Where(n => n.OpType == QuantizedOps.QConv), n => Assert.True(QuantizedOps.IsNhwc(n), n.Name));

        var actual = new ReferenceExecutor(after).Run(inputs);
        foreach (var (output_, tensor) in expected)
        {
            Assert.Equal(tensor.Shape, actual[output_].Shape);
            Assert.Equal(tensor.Floats, actual[output_].Floats);
        }

        // A value is transposed once, and never back and forth: no transform reads another's output.
        foreach (var node in after.Graph.Nodes.Where(n => n.OpType == "Transpose"))
            Assert.False(node.Inputs[0]!.Producer is { OpType: "Transpose" }, $"{node.Name} transposes a transposed value");
        var toNhwc = after.Graph.Nodes.Where(n => n.OpType == "Transpose" && n.GetInts("perm")!.SequenceEqual(QuantizedOps.ToNhwcPerm)).ToList();
        Assert.Equal(toNhwc.Count, toNhwc.Select(n => n.Inputs[0]).Distinct().Count());
    }

    [Fact]
    public void TheCudaRuleMakesResNet50OneChannelsLastChain()
    {
        var random = new Random(TestModels.NewSeed(output));
        var (load, _) = Quantized(zoo.PathOf("resnet50"), "input", [1, 3, 224, 224], random);
        var model = load();
        int made = NhwcLayoutPass.Apply(model, Evaluator, CudaQConvNhwcLayer.Wants);
        // All 53 convolutions but the 3-channel stem (no 4-byte channel runs); the chain enters after the
        // stem's max pool and leaves before the global average pool.
        Assert.Equal(52, made);
        Assert.Equal(2, NhwcLayoutPass.LayoutTransforms(model.Graph));
        var stem = model.Graph.Nodes.Single(n => n.OpType == QuantizedOps.QConv && !QuantizedOps.IsNhwc(n));
        Assert.Equal(3L, stem.Input(QuantizedOps.X)!.Shape!.Dims[1].Value!.Value);
        // The profile counts a channels-last INT8 convolution's work as the NCHW one's.
        static long Work(Model m) => m.Graph.Nodes.Sum(n => EdgeAgent.Engine.Runtime.LayerWork.Operations(n) ?? 0);
        Assert.Equal(Work(load()), Work(model));
        Assert.Equal(Work(TestModels.Load(zoo.PathOf("resnet50"), ("input", [1, 3, 224, 224]))), Work(model));
    }

    /// <summary>
    /// YOLOv5s under the CUDA rule: its C3 blocks concatenate and gate the convolutions' outputs, and
    /// those ops now run channels-last between them, and the detection heads reshape channels-last
    /// outputs directly, so the chain is cut only around the pools and the upsampling, with the
    /// same bits as before.
    /// </summary>
    [Fact]
    public void TheCudaRuleKeepsYoloV5sChannelsLastThroughConcatsAndQuantizes()
    {
        var random = new Random(TestModels.NewSeed(output));
        var (load, inputs) = Quantized(zoo.PathOf("yolov5s"), "images", [1, 3, 640, 640], random, gpuRewrite: true);
        var model = load();
        var expected = new ReferenceExecutor(model).Run(inputs);
        int made = NhwcLayoutPass.Apply(model, Evaluator, CudaQConvNhwcLayer.Wants);
        int transforms = NhwcLayoutPass.LayoutTransforms(model.Graph);
        var neutral = model.Graph.Nodes.Where(n => n.OpType is "Concat" or "QuantizeLinear" && n.Inputs[0]!.Producer is { } p
            && (p.OpType == QuantizedOps.QConv || p.Outputs[0].Name.EndsWith("_nhwc"))).Count();
        output.WriteLine($"yolov5s (CUDA rule): {made} NHWC layers, {transforms} layout transforms, {neutral} concat/quantize nodes reading channels-last values");
        model.Graph.RebuildLinks();
        foreach (var t in model.Graph.Nodes.Where(n => n.OpType == "Transpose"))
            output.WriteLine($"  {t.Inputs[0]!.Producer?.OpType ?? "input"} -> {t.Name} -> {string.Join(",", t.Outputs[0].Consumers.Select(c => c.OpType))}");
        Assert.Equal(model.Graph.Nodes.Count(n => n.OpType == QuantizedOps.QConv) - 1, made); // all but the 3-channel stem
        // Before layout-neutral ops followed the layout, the same rule left 54 transforms in this graph.
        Assert.True(transforms <= 9, $"{transforms} layout transforms");
        // The three detection heads reshape their convolution's channels-last output directly.
        Assert.Equal(3, model.Graph.Nodes.Count(n => n.OpType == "Reshape" && n.Inputs[0]!.Producer?.OpType == QuantizedOps.QConv));
        Assert.True(model.Graph.Nodes.Count(n => n.OpType == "Concat" && n.GetInt("axis", 0) == 3) >= 8, "the C3 concatenations run channels-last");
        foreach (var (name, tensor) in expected) Assert.Equal(tensor.Floats, new ReferenceExecutor(model).Run(inputs)[name].Floats);
    }

    /// <summary>The GPU test's network of every convolution form: under the CUDA rule all 8 convolutions go channels-last, in one chain.</summary>
    [Fact]
    public void TheCudaRuleTakesEveryConvolutionFormOfTheGpuTestNetwork()
    {
        var random = new Random(TestModels.NewSeed(output));
        string path = Path.Combine(Path.GetTempPath(), $"edgeagent-nhwc-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(path, Cuda.CudaInt8NhwcTests.Network(random, 1, 19, 23));
            var (load, inputs) = Quantized(path, "x", [1, 16, 19, 23], random, gpuRewrite: true);
            var model = load();
            var expected = new ReferenceExecutor(model).Run(inputs);
            int made = NhwcLayoutPass.Apply(model, Evaluator, CudaQConvNhwcLayer.Wants);
            var left = model.Graph.Nodes.Where(n => n.OpType == QuantizedOps.QConv && !QuantizedOps.IsNhwc(n) || n.OpType == "FusedConv").Select(n => n.Describe()).ToList();
            output.WriteLine($"{made} NHWC, {NhwcLayoutPass.LayoutTransforms(model.Graph)} transforms; NCHW: {string.Join("; ", left)}");
            Assert.Empty(left);
            Assert.Equal(8, made);
            Assert.Equal(2, NhwcLayoutPass.LayoutTransforms(model.Graph));
            Assert.Equal(expected["y"].Floats, new ReferenceExecutor(model).Run(inputs)["y"].Floats);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void AGraphWithoutWantedLayersIsLeftAlone()
    {
        var random = new Random(TestModels.NewSeed(output));
        var (load, _) = Quantized(zoo.PathOf("resnet18"), "input", [1, 3, 224, 224], random);
        var model = load();
        int nodes = model.Graph.Nodes.Count;
        Assert.Equal(0, NhwcLayoutPass.Apply(model, Evaluator, _ => false));
        Assert.Equal(nodes, model.Graph.Nodes.Count);
        Assert.Equal(0, NhwcLayoutPass.LayoutTransforms(model.Graph));
    }
}
