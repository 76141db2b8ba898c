using EdgeAgent.Engine.Onnx.Proto;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Oracle;
using EdgeAgent.Engine.Zoo;
using Google.Protobuf;

namespace EdgeAgent.Engine.Tests.Zoo;

public sealed class ModelZooTests(ZooFixture zoo, ITestOutputHelper output) : IClassFixture<ZooFixture>
{
    public static TheoryData<string> Names() => [.. ModelZoo.Names];

    [Theory]
    [MemberData(nameof(Names))]
    public void RunsInOnnxRuntimeWithTheDeclaredShapeAndLiveFiniteOutputs(string name)
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        ZooModel model = ModelZoo.Describe(name);
        var input = Tensor.FromFloats(
            Enumerable.Range(0, (int)Tensor.ElementCount(model.InputShape)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(),
            model.InputShape);

        var result = OrtOracle.Run(zoo.PathOf(name), new Dictionary<string, Tensor> { [model.Input] = input });

        Tensor y = Assert.Single(result, kv => kv.Key == model.Output).Value;
        Assert.Equal(model.OutputShape, y.Shape);
        float[] v = y.Floats;
        Assert.All(v, x => Assert.True(float.IsFinite(x)));
        double mean = v.Average(x => (double)x);
        double std = Math.Sqrt(v.Average(x => (x - mean) * (x - mean)));
        output.WriteLine($"{name}: {model.Output} mean {mean:G4} std {std:G4} min {v.Min():G4} max {v.Max():G4}");
        Assert.True(std > 0, $"{name} output is constant");
        if (name != "yolov5s")
        {
            // Activations stayed O(1) through the depth: logits neither vanished nor exploded.
            Assert.InRange(std, 1e-2, 1e2);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void OutputsDependOnTheInputNotOnlyOnBiases(string name)
    {
        // A net whose output is nearly constant would let a broken backend pass the oracle comparison.
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        ZooModel model = ModelZoo.Describe(name);
        Tensor RandomInput() => Tensor.FromFloats(
            Enumerable.Range(0, (int)Tensor.ElementCount(model.InputShape)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(),
            model.InputShape);
        Tensor Run(Tensor x) => OrtOracle.Run(zoo.PathOf(name), new Dictionary<string, Tensor> { [model.Input] = x })[model.Output];

        Tensor a = Run(RandomInput()), b = Run(RandomInput());
        if (name == "yolov5s")
        {
            // Box centres are dominated by the fixed cell grid; judge sizes and scores, which come from the net alone.
            (a, b) = (WithoutBoxCentres(a), WithoutBoxCentres(b));
        }
        double change = TensorAssert.RelativeL2(a, b);
        output.WriteLine($"{name}: relative L2 change between two random inputs {change:G4}");
        Assert.True(change > 1e-2, $"{name}: output barely depends on the input (relative change {change:G4})");
    }

    [Fact]
    public void YoloOutputsDecodedBoxesInsideTheImageAndProbabilities()
    {
        ZooModel model = ModelZoo.Describe("yolov5s");
        var input = Tensor.Zeros(DataType.Float32, model.InputShape);
        float[] y = OrtOracle.Run(zoo.PathOf("yolov5s"), new Dictionary<string, Tensor> { [model.Input] = input })[model.Output].Floats;

        // Rows are (x, y, w, h, objectness, 80 class scores); the first 3*80*80 come from stride 8.
        for (int row = 0; row < 25200; row++)
        {
            var r = y.AsSpan(row * 85, 85);
            Assert.InRange(r[0], -16f * 32, 640f + 16 * 32);
            Assert.InRange(r[1], -16f * 32, 640f + 16 * 32);
            Assert.True(r[2] > 0 && r[3] > 0 && r[2] < 4 * 373 && r[3] < 4 * 326, $"row {row}: wh {r[2]} {r[3]}");
            foreach (float p in r[4..]) Assert.InRange(p, 0f, 1f);
        }
        // Cell (x=79, y=79) of the stride-8 grid, anchor 0: its centre is 8*(2s - 0.5 + 79), s in (0,1).
        int last = 79 * 80 + 79;
        Assert.InRange(y[last * 85], 8 * 78.5f, 8 * 80.5f);
        Assert.InRange(y[last * 85 + 1], 8 * 78.5f, 8 * 80.5f);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void TheSameSeedGivesTheSameBytes(string name)
    {
        byte[] again = ModelZoo.Build(name).ToByteArray();
        Assert.True(File.ReadAllBytes(zoo.PathOf(name)).AsSpan().SequenceEqual(again), $"{name} differs between two builds with seed {ModelZoo.DefaultSeed}");
    }

    [Fact]
    public void ADifferentSeedGivesDifferentWeightsButTheSameGraph()
    {
        ModelProto a = ModelZoo.Build("resnet18", 1), b = ModelZoo.Build("resnet18", 2);
        Assert.NotEqual(a.Graph.Initializer[0].RawData, b.Graph.Initializer[0].RawData);
        Assert.Equal(a.Graph.Node, b.Graph.Node);
    }

    [Theory]
    // ResNet-50: stem + 16 bottlenecks x 3 + 4 downsample shortcuts.
    [InlineData("resnet50", "Conv", 53)]
    [InlineData("resnet50", "BatchNormalization", 53)]
    [InlineData("resnet50", "Add", 16)]
    // ResNet-18: stem + 8 basic blocks x 2 + 3 downsample shortcuts.
    [InlineData("resnet18", "Conv", 20)]
    [InlineData("resnet18", "Add", 8)]
    // MobileNetV2: stem, 2 convs in the t=1 block, 3 in each of the other 16, last 1x1.
    [InlineData("mobilenetv2", "Conv", 52)]
    [InlineData("mobilenetv2", "Clip", 35)]
    [InlineData("mobilenetv2", "Add", 10)]
    // YOLOv5s: 5 strided convs, C3s with n = 1,2,3,1 (3 + 2n convs each), SPPF 2, neck 4 + 4 C3s(n=1), 3 detect convs.
    [InlineData("yolov5s", "Conv", 60)]
    [InlineData("yolov5s", "BatchNormalization", 57)]
    [InlineData("yolov5s", "MaxPool", 3)]
    [InlineData("yolov5s", "Resize", 2)]
    [InlineData("yolov5s", "Add", 7 + 3)] // backbone bottleneck shortcuts + the grid offset of each detect scale
    [InlineData("yolov5s", "Sigmoid", 60)]
    public void FollowsThePublishedStructure(string name, string op, int count)
    {
        ModelProto m = Load(name);
        Assert.Equal(count, m.Graph.Node.Count(n => n.OpType == op));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void UsesOpset17IrVersion8AndPlausibleBatchNormStatistics(string name)
    {
        ModelProto m = Load(name);
        Assert.Equal(8, m.IrVersion);
        Assert.Equal(17, Assert.Single(m.OpsetImport).Version);
        var inits = m.Graph.Initializer.ToDictionary(t => t.Name);
        foreach (NodeProto bn in m.Graph.Node.Where(n => n.OpType == "BatchNormalization"))
        {
            float[] gamma = Floats(inits[bn.Input[1]]), variance = Floats(inits[bn.Input[4]]);
            Assert.All(gamma, v => Assert.InRange(v, 0.9f, 1.1f));
            Assert.All(variance, v => Assert.InRange(v, 0.8f, 1.2f));
        }
    }

    [Fact]
    public void MobileNetV2DepthwiseConvsHaveOneGroupPerChannel()
    {
        ModelProto m = Load("mobilenetv2");
        var inits = m.Graph.Initializer.ToDictionary(t => t.Name);
        var grouped = m.Graph.Node.Where(n => n.OpType == "Conv" && n.Attribute.Single(a => a.Name == "group").I > 1).ToList();
        Assert.Equal(17, grouped.Count);
        foreach (NodeProto conv in grouped)
        {
            var weightDims = inits[conv.Input[1]].Dims;
            Assert.Equal(conv.Attribute.Single(a => a.Name == "group").I, weightDims[0]);
            Assert.Equal(1, weightDims[1]);
        }
    }

    [Fact]
    public void DeclaresInputsAndOutputsWithTheirNamesAndSymbolicBatch()
    {
        var resnet = Load("resnet50").Graph;
        Assert.Equal("input", resnet.Input.Single().Name);
        Assert.Equal("N", resnet.Input.Single().Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal("logits", resnet.Output.Single().Name);
        var yolo = Load("yolov5s").Graph;
        Assert.Equal([1L, 3, 640, 640], yolo.Input.Single().Type.TensorType.Shape.Dim.Select(d => d.DimValue));
        Assert.Equal([1L, 25200, 85], yolo.Output.Single().Type.TensorType.Shape.Dim.Select(d => d.DimValue));
    }

    [Fact]
    public void WriteAllWritesOneFilePerNameInOrder()
    {
        Assert.Equal(ModelZoo.Names.Select(n => Path.Combine(zoo.Directory, n + ".onnx")), zoo.Paths);
        // Every file holds its weights (the QDQ net is small: ~6k int8 weights).
        Assert.All(zoo.Paths, p => Assert.True(new FileInfo(p).Length > (p.Contains("qdq") ? 5_000 : 1_000_000), p));
    }

    [Fact]
    public void AnUnknownNameIsAUserErrorListingTheKnownOnes()
    {
        var e = Assert.Throws<EngineUserException>(() => ModelZoo.Build("resnet101"));
        Assert.Contains("resnet101", e.Message);
        Assert.Contains("yolov5s", e.Message);
    }

    private static Tensor WithoutBoxCentres(Tensor detections)
    {
        float[] rows = detections.Floats;
        return Tensor.FromFloats(rows.Where((_, i) => i % 85 >= 2).ToArray(), rows.Length / 85, 83);
    }

    private ModelProto Load(string name) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(zoo.PathOf(name)));

    private static float[] Floats(TensorProto t) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
}
