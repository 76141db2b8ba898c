using EdgeAgent.Engine.Backends.Cpu;
using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Oracle;
using EdgeAgent.Engine.Tests.Zoo;

namespace EdgeAgent.Engine.Tests.Quantization;

/// <summary>The zoo's QDQ classifier: Q/DQ scales are honoured exactly as ONNX defines them.</summary>
public sealed class QdqModelTests(ZooFixture zoo, ITestOutputHelper output) : IClassFixture<ZooFixture>
{
    [Fact]
    public void ReferenceAndCpuEngineMatchOnnxRuntimeWithinTheQuantizationStep()
    {
        string path = zoo.PathOf("qdq_convnet");
        var random = new Random(TestModels.NewSeed(output));
        var inputs = new Dictionary<string, Tensor> { ["input"] = TestModels.RandomTensor(random, 1, 3, 32, 32) };
        var ort = OrtOracle.Run(path, inputs)["logits"];
        var reference = new ReferenceExecutor(TestModels.Load(path, ("input", [1, 3, 32, 32]))).Run(inputs)["logits"];
        var (engine, _) = EngineBuilder.Build(path, new BuilderConfig { Backend = new CpuBackend() });
        using var context = engine.CreateContext();
        var cpu = context.Run(inputs)["logits"];

        // ONNX Runtime may run the Q/DQ pairs as integer kernels; a value may then land one
        // quantization step (3/127 after the last Relu) away, which moves a logit by at most
        // that step times the largest row sum of |fc weights| / pooled size.
        double maxAbs = TensorAssert.MaxAbs(ort, reference);
        output.WriteLine($"reference vs ORT: max abs {maxAbs:E3}, rel L2 {TensorAssert.RelativeL2(ort, reference):E3}; cpu vs reference rel L2 {TensorAssert.RelativeL2(reference, cpu):E3}");
        Assert.True(maxAbs <= 3.0 / 127, $"reference differs from ONNX Runtime by {maxAbs} (more than one quantization step)");
        TensorAssert.AssertClose(reference, cpu, 1e-5, "CPU engine vs reference on the QDQ model");
    }

    [Fact]
    public void QuantizeLinearRoundsHalfToEvenAndSaturates()
    {
        var b = new EdgeAgent.Engine.Onnx.OnnxModelBuilder("q").Input("x", DataType.Float32, 6).Output("y", DataType.Int8).Output("z", DataType.Float32);
        b.Initializer("s", [0.5f]);
        b.Initializer("zp", new Tensor(DataType.Int8, [], new sbyte[] { 1 }));
        b.Node("QuantizeLinear", "q", ["x", "s", "zp"], ["y"]);
        b.Node("DequantizeLinear", "dq", ["y", "s", "zp"], ["z"]);
        var model = EdgeAgent.Engine.Onnx.OnnxImporter.FromProto(b.Build(), null, "q");
        ShapeInference.Run(model, null, new ReferenceConstantEvaluator());
        var x = Tensor.FromFloats([0.25f, 0.75f, -0.25f, 1000f, -1000f, 1.25f], 6);
        var result = new ReferenceExecutor(model).Run(new Dictionary<string, Tensor> { ["x"] = x });
        // x / 0.5 = 0.5, 1.5, -0.5, 2000, -2000, 2.5 → even rounding 0, 2, 0, saturate, saturate, 2; + zero point 1
        Assert.Equal(new sbyte[] { 1, 3, 1, 127, -128, 3 }, (sbyte[])result["y"].Data);
        Assert.Equal(new float[] { 0f, 1f, 0f, 63f, -64.5f, 1f }, result["z"].Floats);
        var ort = OrtOracle.Run(WriteTemp(b), new Dictionary<string, Tensor> { ["x"] = x });
        Assert.Equal((sbyte[])result["y"].Data, (sbyte[])ort["y"].Data);
    }

    private static string WriteTemp(EdgeAgent.Engine.Onnx.OnnxModelBuilder b)
    {
        string path = Path.Combine(Path.GetTempPath(), $"edgeagent-q-{Guid.NewGuid():N}.onnx");
        b.Save(path);
        return path;
    }
}
