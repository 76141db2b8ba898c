using EdgeAgent.Engine.Backends.Cuda;
using EdgeAgent.Engine.Backends.Cuda.Layers;
using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Oracle;
using EdgeAgent.Engine.Tests.Zoo;

namespace EdgeAgent.Engine.Tests.Cuda;

/// <summary>
/// CUDA layers on small graphs with random shapes against the reference executor, FP32 and FP16:
/// MatMul of two activations (batched, and plain 2-D) and Gather by constant indices (one run,
/// several runs, negative and repeated indices). Each must run on the GPU, not on the host.
/// </summary>
public sealed class CudaLayerTests(ZooFixture zoo, ITestOutputHelper output) : IClassFixture<ZooFixture>
{
    private static OnnxModelBuilder MatMul(int[] a, int[] b)
    {
        var m = new OnnxModelBuilder("t").Input("a", DataType.Float32, a.Select(d => (OnnxDim)d).ToArray())
            .Input("b", DataType.Float32, b.Select(d => (OnnxDim)d).ToArray()).Output("y", DataType.Float32);
        m.Node("Tanh", "ta", ["a"], ["ta"]);
        m.Node("MatMul", "mm", ["ta", "b"], ["y"]);
        return m;
    }

    private static OnnxModelBuilder Gather(int[] shape, long[] indices, int axis, bool scalar = false)
    {
        var m = new OnnxModelBuilder("t").Input("x", DataType.Float32, shape.Select(d => (OnnxDim)d).ToArray()).Output("y", DataType.Float32);
        if (scalar) m.Initializer("i", Tensor.FromLongs([indices[0]]));
        else m.Initializer("i", indices, indices.Length);
        m.Node("Tanh", "t", ["x"], ["t"]);
        m.Node("Gather", "g", ["t", "i"], ["y"], OnnxAttr.Int("axis", axis));
        return m;
    }

    /// <summary>Takes the named tactic wherever it is offered, else the first.</summary>
    private sealed class Prefer(string name) : ITacticSelector
    {
        public Tactic Choose(IBackend backend, LayerSpec layer, IReadOnlyList<Tactic> tactics) => tactics.FirstOrDefault(t => t.Name == name) ?? tactics[0];
    }

    private void Check(string name, OnnxModelBuilder builder, Random random, string? tactic = null, Type? mustUse = null)
    {
        var bytes = builder.ToBytes();
        var reference = OnnxImporter.FromBytes(bytes, null, name);
        EdgeAgent.Engine.Graph.ShapeInference.Run(reference, null, new ReferenceConstantEvaluator());
        var inputs = reference.Graph.Inputs.ToDictionary(i => i.Name, i => TestModels.RandomTensor(random, i.Shape!.ToInts()));
        var expected = new ReferenceExecutor(reference).Run(inputs);
        foreach (var precision in new[] { "fp32", "fp16" })
        {
            var (engine, _) = EngineBuilder.Build(OnnxImporter.FromBytes(bytes, null, name), new BuilderConfig
            {
                Backend = new CudaBackend(precision), Precision = precision, TacticSelector = tactic is null ? null : new Prefer(tactic),
            });
            Assert.DoesNotContain(engine.Layers, l => l is CudaFallbackLayer);
            if (mustUse is not null) Assert.Contains(engine.Layers, l => l.GetType() == mustUse);
            using var context = engine.CreateContext();
            var actual = context.Run(inputs)["y"];
            double error = TensorAssert.RelativeL2(expected["y"], actual);
            output.WriteLine($"{name} {precision}: rel L2 {error:E2}");
            Assert.True(error < (precision == "fp32" ? 1e-5 : 2e-3), $"{name} {precision}: rel L2 {error:E2}");
        }
    }

    [GpuFact]
    public void ActivationMatMulsMatchTheReference()
    {
        var random = new Random(TestModels.NewSeed(output));
        int R(int lo, int hi) => random.Next(lo, hi + 1);
        for (int i = 0; i < 3; i++)
        {
            int batch = R(1, 3), heads = R(1, 4), m = R(1, 70), k = R(1, 80), n = R(1, 90);
            Check($"batched {batch}x{heads} {m}x{k}x{n}", MatMul([batch, heads, m, k], [batch, heads, k, n]), random);
        }
        Check("attention-sized 1x3 197x64x197", MatMul([1, 3, 197, 64], [1, 3, 64, 197]), random);
        Check($"2-D", MatMul([R(1, 50), 37], [37, R(1, 60)]), random);
    }

    [GpuFact]
    public void RowsMatMulByWeightsMatchesTheReference()
    {
        // The row-reading kernel forced: MatMul + bias + Tanh over tokens, and a 2-D Gemm with transB and Relu.
        var random = new Random(TestModels.NewSeed(output));
        for (int i = 0; i < 3; i++)
        {
            int rows = random.Next(2, 120), k = random.Next(1, 90), n = random.Next(1, 100);
            var m = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, rows, k).Output("y", DataType.Float32);
            m.Initializer("w", TestModels.RandomTensor(random, [k, n]).Floats, k, n);
            m.Initializer("bias", TestModels.RandomTensor(random, [n]).Floats, n);
            m.Node("MatMul", "mm", ["x", "w"], ["mm"]);
            m.Node("Add", "add", ["mm", "bias"], ["a"]);
            m.Node("Tanh", "act", ["a"], ["y"]);
            Check($"tokens {rows}x{k}x{n}", m, random, CudaRowsMatMulLayer.TacticName, typeof(CudaRowsMatMulLayer));
        }
        int r = random.Next(2, 60), kk = random.Next(1, 70), nn = random.Next(1, 80);
        var g = new OnnxModelBuilder("t").Input("x", DataType.Float32, r, kk).Output("y", DataType.Float32);
        g.Initializer("w", TestModels.RandomTensor(random, [nn, kk]).Floats, nn, kk);
        g.Initializer("bias", TestModels.RandomTensor(random, [nn]).Floats, nn);
        g.Node("Gemm", "fc", ["x", "w", "bias"], ["g"], OnnxAttr.Int("transB", 1));
        g.Node("Relu", "relu", ["g"], ["y"]);
        Check($"gemm transB {r}x{kk}x{nn}", g, random, CudaRowsMatMulLayer.TacticName, typeof(CudaRowsMatMulLayer));
    }

    [GpuFact]
    public void ConstantGathersMatchTheReference()
    {
        var random = new Random(TestModels.NewSeed(output));
        Check("scalar index on axis 0", Gather([3, 2, random.Next(1, 20), 7], [random.Next(0, 3)], 0, scalar: true), random);
        Check("negative and repeated indices, middle axis", Gather([2, 5, random.Next(1, 9)], [-1, 0, 3, 0], 1), random);
        Check("one run of consecutive indices, odd slice", Gather([2, 3, 7, 5], [1, 2, 3], 2), random);
        Check("last axis (2-byte slices in FP16)", Gather([4, 9], [8, 0, 1, 2], 1), random);
    }

    [GpuFact]
    public void VisionTransformerRunsOnTheGpu()
    {
        // The zoo ViT: patch embedding, class token Gather, 12 attention blocks of batched MatMuls.
        var random = new Random(TestModels.NewSeed(output));
        var shape = new[] { 1, 3, 224, 224 };
        var inputs = new Dictionary<string, Tensor> { ["input"] = TestModels.RandomTensor(random, shape) };
        var expected = new ReferenceExecutor(TestModels.Load(zoo.PathOf("vit_tiny"), ("input", shape))).Run(inputs);
        var (engine, _) = EngineBuilder.Build(zoo.PathOf("vit_tiny"), new BuilderConfig { Backend = new CudaBackend("fp16"), Precision = "fp16" },
            new Dictionary<string, TensorShape> { ["input"] = TensorShape.Of(shape) });
        Assert.DoesNotContain(engine.Layers, l => l is CudaFallbackLayer);
        using var context = engine.CreateContext();
        var first = context.Run(inputs);
        foreach (var (name, want) in expected)
        {
            double error = TensorAssert.RelativeL2(want, first[name]);
            output.WriteLine($"vit_tiny fp16 {name}: rel L2 {error:E2}");
            Assert.True(error < 1e-2, $"{name}: rel L2 {error:E2}");
        }
        // With no host layer the second run replays the captured CUDA Graph: the same bits.
        var second = context.Run(inputs);
        foreach (var (name, value) in first) Assert.Equal(value.Floats, second[name].Floats);
    }
}
