using EdgeAgent.Engine.Backends.Cpu;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Tests.Runtime;

/// <summary>After warm-up, an inference allocates nothing on the managed heap.</summary>
public sealed class ZeroAllocationTests(ITestOutputHelper output)
{
    private void AssertNoAllocation(EdgeAgent.Engine.Runtime.InferenceEngine engine, string label)
    {
        Assert.DoesNotContain(engine.Layers, l => l.GetType().Name == "FallbackLayer");
        // One thread: every layer runs on this thread, so the per-thread counter sees all of it.
        using var context = engine.CreateContext(1);
        var random = new Random(TestModels.NewSeed(output));
        var inputs = engine.Inputs.Select(i => TestModels.RandomTensor(random, i.Shape).Floats).ToArray();
        var result = new float[engine.Outputs[0].ElementCount];
        void Once()
        {
            for (int i = 0; i < inputs.Length; i++) context.SetInput<float>(i, inputs[i]);
            context.Execute();
            context.CopyOutput<float>(0, result);
        }
        Once();
        Once();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) Once();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{label}: {allocated} bytes allocated over 5 inferences");
        Assert.Equal(0, allocated);
        Assert.Contains(result, v => v != 0);
    }

    [Fact]
    public void ElementwisePoolingResizeAndConcatAllocateNothing()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 8, 20, 20).Output("y", DataType.Float32);
        b.Node("HardSwish", "h", ["x"], ["h"]);
        b.Node("GlobalAveragePool", "gap", ["h"], ["g"]);
        b.Node("Sigmoid", "gate", ["g"], ["gs"]);
        b.Node("Mul", "se", ["h", "gs"], ["m"]);
        b.Node("MaxPool", "pool", ["m"], ["p"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("strides", 2, 2));
        b.Initializer("scales", new[] { 1f, 1f, 2f, 2f }, 4);
        b.Node("Resize", "up", ["p", "", "scales"], ["u"], OnnxAttr.String("mode", "nearest"));
        b.Node("Concat", "cat", ["u", "m"], ["c"], OnnxAttr.Int("axis", 1));
        b.Initializer("sizes", new long[] { 4, 12 }, 2);
        b.Node("Split", "split", ["c", "sizes"], ["s1", "s2"], OnnxAttr.Int("axis", 1));
        b.Node("Relu", "r", ["s2"], ["y"]);
        var (engine, _) = EngineBuilder.Build(OnnxImporter.FromBytes(b.ToBytes(), null, "t"), new BuilderConfig { Backend = new CpuBackend() });
        AssertNoAllocation(engine, "elementwise graph");
    }
}

public sealed class ModelZeroAllocationTests(ITestOutputHelper output)
{
    [Fact]
    public void OcrDetectorInferenceAllocatesNothingAfterWarmUp()
    {
        var (engine, _) = EngineBuilder.Build(TestModels.OcrDetector, new BuilderConfig { Backend = new CpuBackend() },
            new Dictionary<string, TensorShape> { ["x"] = TensorShape.Of(1, 3, 320, 320) });
        Assert.DoesNotContain(engine.Layers, l => l.GetType().Name == "FallbackLayer");
        using var context = engine.CreateContext(1);
        var input = TestModels.RandomDocument(new Random(TestModels.NewSeed(output)), 320, 320).Floats;
        var result = new float[engine.Outputs[0].ElementCount];
        void Once()
        {
            context.SetInput<float>(0, input);
            context.Execute();
            context.CopyOutput<float>(0, result);
        }
        Once();
        Once();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) Once();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"PP-OCRv4 det 320x320: {allocated} bytes allocated over 3 inferences");
        Assert.Equal(0, allocated);
    }
}
