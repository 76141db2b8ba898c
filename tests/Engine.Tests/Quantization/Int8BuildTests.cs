using System.Collections;
using EdgeAgent.Engine.Backends.Cpu;
using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Quantization;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Oracle;
using EdgeAgent.Engine.Tests.Zoo;

namespace EdgeAgent.Engine.Tests.Quantization;

/// <summary>INT8 builds on the zoo's QDQ classifier: Q/DQ scales honoured, the calibration cache, and clear errors.</summary>
public sealed class Int8BuildTests(ZooFixture zoo, ITestOutputHelper output) : IClassFixture<ZooFixture>
{
    private static BuilderConfig Int8(CalibrationOptions? calibration = null, string precision = "int8") =>
        new() { Backend = new CpuBackend(), Precision = precision, Calibration = calibration };

    [Fact]
    public void QdqModelRunsOnInt8KernelsAndMatchesOnnxRuntimeWithinTheQuantizationStep()
    {
        string path = zoo.PathOf("qdq_convnet");
        var random = new Random(TestModels.NewSeed(output));
        var inputs = new Dictionary<string, Tensor> { ["input"] = TestModels.RandomTensor(random, 1, 3, 32, 32) };
        var ort = OrtOracle.Run(path, inputs)["logits"];

        // No calibration data: every scale the INT8 layers need comes from the model's Q/DQ pairs.
        var result = EngineBuilder.BuildFile(path, Int8() with { Autotune = false });
        var layers = result.Engine.Order.Select(n => n.OpType).ToList();
        output.WriteLine($"layers: {string.Join(", ", layers)}; scales from {result.Quantization!.ScaleSource}");
        Assert.Equal(2, layers.Count(o => o == QuantizedOps.QConv));
        Assert.DoesNotContain(FusedOps.FusedConv, layers);
        // conv1 → conv2 passes int8 directly: one QuantizeLinear (of the input), no DequantizeLinear.
        Assert.Equal(1, layers.Count(o => o == "QuantizeLinear"));
        Assert.Equal(DataType.Int8, result.Engine.Specs[layers.IndexOf(QuantizedOps.QConv)].Output(0).Type);
        Assert.Contains("QuantizeLinear/DequantizeLinear", result.Quantization.ScaleSource);

        using var context = result.Engine.CreateContext();
        var int8 = context.Run(inputs)["logits"];
        double maxAbs = TensorAssert.MaxAbs(ort, int8);
        output.WriteLine($"INT8 engine vs ORT: max abs {maxAbs:E3}, cosine {TensorAssert.Cosine(ort, int8):F6}");
        // The last Q/DQ step is 3/127; ORT requantizes after relu2 where the engine hands floats
        // to the pooling, so a logit may differ by up to that step (as in QdqModelTests).
        Assert.True(maxAbs <= 3.0 / 127, $"INT8 engine differs from ONNX Runtime by {maxAbs} (more than one quantization step)");

        // The engine file round-trips: same graph, same tactics, same outputs.
        var reloaded = result.Plan.Compile(new CpuBackend());
        using var again = reloaded.CreateContext();
        Assert.Equal(int8.Floats, again.Run(inputs)["logits"].Floats);
    }

    [Fact]
    public void CalibrationCacheIsWrittenThenReusedWithoutRunningCalibration()
    {
        string path = zoo.PathOf("resnet18");
        string cache = Path.Combine(Path.GetTempPath(), $"edgeagent-calib-{Guid.NewGuid():N}.txt");
        try
        {
            var random = new Random(TestModels.NewSeed(output));
            var data = Enumerable.Range(0, 3).Select(_ => (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor>
                { ["input"] = TestModels.RandomTensor(random, 1, 3, 224, 224) }).ToList();
            var shapes = new Dictionary<string, TensorShape> { ["input"] = TensorShape.Of([1, 3, 224, 224]) };
            var first = EngineBuilder.BuildFile(path, Int8(new CalibrationOptions { Data = data, CachePath = cache, Method = CalibrationMethod.Percentile }) with { Autotune = false }, shapes);
            Assert.True(File.Exists(cache));
            string text = File.ReadAllText(cache);
            output.WriteLine($"first build: {first.Quantization!.ScaleSource}; cache has {text.Split('\n').Length} lines");
            Assert.StartsWith("# edgeagent calibration cache v1", text);

            // The second build must not touch the data: it would throw.
            var second = EngineBuilder.BuildFile(path, Int8(new CalibrationOptions { Data = new UntouchableData(), CachePath = cache, Method = CalibrationMethod.Percentile }) with { Autotune = false }, shapes);
            output.WriteLine($"second build: {second.Quantization!.ScaleSource}");
            Assert.Contains("no calibration run", second.Quantization.ScaleSource);
            Assert.Equal(first.Plan.CalibrationTable, second.Plan.CalibrationTable);
            Assert.Equal(first.Quantization.Int8Layers, second.Quantization.Int8Layers);
            using var a = first.Engine.CreateContext();
            using var b = second.Engine.CreateContext();
            Assert.Equal(a.Run(data[0])["logits"].Floats, b.Run(data[0])["logits"].Floats);

            // Another method does not reuse it (a stale cache is never applied) and, without data, says what to do.
            var stale = Assert.Throws<EngineUserException>(() => EngineBuilder.BuildFile(path,
                Int8(new CalibrationOptions { CachePath = cache, Method = CalibrationMethod.Entropy }) with { Autotune = false }, shapes));
            output.WriteLine(stale.Message);
            Assert.Contains("Percentile", stale.Message);
        }
        finally
        {
            File.Delete(cache);
        }
    }

    [Theory]
    [InlineData("not a cache\n", "does not start with")]
    [InlineData("# edgeagent calibration cache v1\n# model-sha256 abc\n# method entropy\nconv1\t-3\n", "line 4")]
    [InlineData("# edgeagent calibration cache v1\n# model-sha256 abc\n# method magic\n", "unknown method")]
    public void MalformedCalibrationCacheIsAUserErrorNamingTheProblem(string text, string expected)
    {
        string cache = Path.Combine(Path.GetTempPath(), $"edgeagent-calib-{Guid.NewGuid():N}.txt");
        File.WriteAllText(cache, text);
        try
        {
            var e = Assert.Throws<EngineUserException>(() => EngineBuilder.BuildFile(zoo.PathOf("qdq_convnet"),
                Int8(new CalibrationOptions { CachePath = cache }) with { Autotune = false }));
            output.WriteLine(e.Message);
            Assert.Contains(expected, e.Message);
            Assert.Contains(cache, e.Message);
        }
        finally
        {
            File.Delete(cache);
        }
    }

    [Fact]
    public void FloatModelWithoutCalibrationDataIsAUserError()
    {
        var e = Assert.Throws<EngineUserException>(() => EngineBuilder.BuildFile(zoo.PathOf("resnet18"), Int8() with { Autotune = false },
            new Dictionary<string, TensorShape> { ["input"] = TensorShape.Of([1, 3, 224, 224]) }));
        output.WriteLine(e.Message);
        Assert.Contains("--calib", e.Message);
    }

    /// <summary>Calibration data that fails the test if anything reads it.</summary>
    private sealed class UntouchableData : IReadOnlyList<IReadOnlyDictionary<string, Tensor>>
    {
        public IReadOnlyDictionary<string, Tensor> this[int index] => throw new InvalidOperationException("calibration data was read although the cache matched");
        public int Count => 3;
        public IEnumerator<IReadOnlyDictionary<string, Tensor>> GetEnumerator() => throw new InvalidOperationException("calibration data was read although the cache matched");
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
