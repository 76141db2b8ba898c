using EdgeAgent.Engine.Backends.Cuda;
using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Zoo;

namespace EdgeAgent.Engine.Tests.Runtime;

/// <summary>The profile's arithmetic: operations per layer as ONNX defines the op, and the GPUs' dense peaks.</summary>
public sealed class LayerWorkTests(ZooFixture zoo, ITestOutputHelper output) : IClassFixture<ZooFixture>
{
    private static long Total(Model model) => model.Graph.Nodes.Sum(n => LayerWork.Operations(n) ?? 0);

    [Fact]
    public void ConvolutionFormsAndMatrixProductsCountTwoOperationsPerMultiplyAdd()
    {
        var random = new Random(TestModels.NewSeed(output));
        int n = 1 + random.Next(3), c = 4 * (1 + random.Next(8)), h = 5 + random.Next(20), m = 2 * (1 + random.Next(8));
        var b = new OnnxModelBuilder("work").Input("x", DataType.Float32, n, c, h, h).Output("mm", DataType.Float32);
        b.Initializer("w", new float[m * c * 9], m, c, 3, 3);
        b.Op("Conv", "conv", ["x", "w"], OnnxAttr.Ints("strides", 2, 2), OnnxAttr.Ints("pads", 1, 1, 1, 1));
        b.Initializer("dw", new float[m * 25], m, 1, 5, 5);
        b.Op("Conv", "depthwise", ["conv", "dw"], OnnxAttr.Int("group", m), OnnxAttr.Ints("pads", 2, 2, 2, 2));
        b.Initializer("tw", new float[m * 3 * 4], m, 3, 2, 2);
        b.Op("ConvTranspose", "up", ["depthwise", "tw"], OnnxAttr.Ints("strides", 2, 2));
        b.Op("Relu", "relu", ["up"]);
        int oh = (h + 2 - 3) / 2 + 1, up = (oh - 1) * 2 + 2;
        b.Initializer("mw", new float[up * 11], up, 11);
        b.Op("MatMul", "mm", ["relu", "mw"]);
        var model = OnnxImporter.FromProto(b.Build(), null, "test");
        ShapeInference.Run(model, new Dictionary<string, TensorShape>(), new ReferenceConstantEvaluator());
        long Ops(string name) => LayerWork.Operations(model.Graph.Nodes.Single(x => x.Name == name)) ?? -1;
        Assert.Equal(2L * n * m * oh * oh * c * 9, Ops("conv"));
        Assert.Equal(2L * n * m * oh * oh * 25, Ops("depthwise"));
        Assert.Equal(2L * n * m * oh * oh * 3 * 4, Ops("up"));
        Assert.Equal(2L * n * 3 * up * up * 11, Ops("mm"));
        Assert.Equal(-1, Ops("relu"));
    }

    [Fact]
    public void ResNet50IsAboutFourGigaMultiplyAddsAndFusionKeepsTheCount()
    {
        var model = TestModels.Load(zoo.PathOf("resnet50"), ("input", [1, 3, 224, 224]));
        long total = Total(model);
        output.WriteLine($"resnet50: {total / 1e9:F3} G operations");
        // torchvision's ResNet-50 is 4.09 G multiply-adds at 224x224.
        Assert.InRange(total, 8.0e9, 8.4e9);
        var (engine, _) = EngineBuilder.Build(zoo.PathOf("resnet18"), new BuilderConfig { Backend = new Backends.Cpu.CpuBackend(), Autotune = false },
            new Dictionary<string, TensorShape> { ["input"] = TensorShape.Of(1, 3, 224, 224) });
        var raw = TestModels.Load(zoo.PathOf("resnet18"), ("input", [1, 3, 224, 224]));
        Assert.Equal(Total(raw), engine.Order.Sum(node => LayerWork.Operations(node) ?? 0));
    }

    [Theory]
    // name, sm, SMs, MHz, dense TFLOP/s (or TOPS) of fp32, fp16 tensor, int8 tensor as published
    [InlineData("A100", 8, 0, 108, 1410, 19.5, 312, 624)]
    [InlineData("H100 SXM", 9, 0, 132, 1830, 61.8, 989, 1979)]
    [InlineData("A10", 8, 6, 72, 1695, 31.2, 125, 250)]
    [InlineData("Jetson AGX Orin", 8, 7, 16, 1300, 5.3, 42.6, 85)]
    [InlineData("Jetson AGX Xavier", 7, 2, 8, 1377, 1.41, 11.3, 22.6)]
    public void PeaksMatchThePublishedFigures(string gpu, int major, int minor, int sms, int mhz, double fp32, double fp16, double int8)
    {
        var info = new CudaDeviceInfo(0, gpu, major, minor, sms, 1UL << 34, false, 13000, "13.0", mhz * 1000);
        foreach (var (unit, published) in new[] { (CudaUnit.Fp32, fp32), (CudaUnit.Fp16TensorCores, fp16), (CudaUnit.Int8TensorCores, int8) })
        {
            double tera = CudaPeak.OperationsPerSecond(info, unit)!.Value / 1e12;
            Assert.True(Math.Abs(tera - published) / published < 0.03, $"{gpu} {unit}: {tera:F1} T/s, published {published}");
        }
        Assert.Null(CudaPeak.OperationsPerSecond(info with { ClockKHz = 0 }, CudaUnit.Fp32));
        Assert.Contains($"{sms} SMs at {mhz} MHz", CudaPeak.Describe(info, CudaUnit.Int8TensorCores));
    }
}
