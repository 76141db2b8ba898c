using EdgeAgent.Engine.Quantization;

namespace EdgeAgent.Engine.Tests.Quantization;

public sealed class CalibratorTests(ITestOutputHelper output)
{
    private readonly Random _random = new(TestModels.NewSeed(output));

    private float Gaussian() => (float)(Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble()));

    private static AbsHistogram Histogram(float[] values)
    {
        var h = new AbsHistogram(values.Max(MathF.Abs));
        h.Add(values);
        return h;
    }

    [Fact]
    public void PercentileFindsTheQuantileOfUniformData()
    {
        var values = Enumerable.Range(0, 200_000).Select(_ => (float)(_random.NextDouble() * 20 - 10)).ToArray();
        var h = Histogram(values);
        Assert.Equal(5f, Calibrators.Percentile(h, 50), 0.1f);
        Assert.Equal(9f, Calibrators.Percentile(h, 90), 0.1f);
        Assert.InRange(Calibrators.Percentile(h), 9.95f, 10.01f);
        Assert.Throws<ArgumentOutOfRangeException>(() => Calibrators.Percentile(h, 0));
    }

    [Fact]
    public void EntropyClipsTheTailOfAGaussianWithOutliers()
    {
        var values = Enumerable.Range(0, 200_000).Select(_ => Gaussian()).Concat([60f, -80f, 100f]).ToArray();
        var h = Histogram(values);
        float threshold = Calibrators.Entropy(h);
        output.WriteLine($"gaussian with outliers: entropy threshold {threshold:F3}, max {h.Range}, minmax {Calibrators.MinMax(h.Range)}");
        Assert.InRange(threshold, 2f, 10f);
    }

    [Fact]
    public void EntropyKeepsNearlyTheWholeRangeOfUniformData()
    {
        var values = Enumerable.Range(0, 200_000).Select(_ => (float)(_random.NextDouble() * 2 - 1)).ToArray();
        float threshold = Calibrators.Entropy(Histogram(values));
        output.WriteLine($"uniform: entropy threshold {threshold:F4}");
        Assert.InRange(threshold, 0.9f, 1.01f);
    }

    [Fact]
    public void KullbackLeiblerIsZeroOnlyForEqualDistributions()
    {
        double[] p = [1, 2, 3, 4], q = [2, 4, 6, 8], r = [4, 3, 2, 1];
        Assert.Equal(0, Calibrators.KullbackLeibler(p, q), 12);
        Assert.True(Calibrators.KullbackLeibler(p, r) > 0.1);
    }

    [Fact]
    public void HistogramRejectsImpossibleRanges()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AbsHistogram(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AbsHistogram(float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AbsHistogram(1, 16));
    }
}

public sealed class CalibrationCacheTests
{
    private static readonly CalibrationCache Sample = new("ab12", CalibrationMethod.Entropy,
        new Dictionary<string, float> { ["conv1.out"] = 0.0123f, ["x"] = 1f / 127 });

    [Fact]
    public void RoundTripsExactly()
    {
        var parsed = CalibrationCache.Parse(Sample.ToText(), "test");
        Assert.Equal(Sample.ModelSha256, parsed.ModelSha256);
        Assert.Equal(Sample.Method, parsed.Method);
        Assert.Equal(Sample.Scales.OrderBy(s => s.Key), parsed.Scales.OrderBy(s => s.Key));
        Assert.Null(parsed.Mismatch("AB12", CalibrationMethod.Entropy));
        Assert.Contains("not ffff", parsed.Mismatch("ffff", CalibrationMethod.Entropy));
        Assert.Contains("MinMax", parsed.Mismatch("ab12", CalibrationMethod.MinMax));
    }

    [Theory]
    [InlineData("", "does not start")]
    [InlineData("# something else\n# model-sha256 a\n# method entropy\n", "does not start")]
    [InlineData("# edgeagent calibration cache v1\n# model a\n# method entropy\n", "model-sha256")]
    [InlineData("# edgeagent calibration cache v1\n# model-sha256 a\n# method magic\n", "unknown method")]
    [InlineData("# edgeagent calibration cache v1\n# model-sha256 a\n# method entropy\nx\t-1\n", "line 4")]
    [InlineData("# edgeagent calibration cache v1\n# model-sha256 a\n# method entropy\nx\tabc\n", "line 4")]
    [InlineData("# edgeagent calibration cache v1\n# model-sha256 a\n# method entropy\nx 0.5\n", "line 4")]
    [InlineData("# edgeagent calibration cache v1\n# model-sha256 a\n# method entropy\nx\t0.5\nx\t0.25\n", "appears twice")]
    public void MalformedCachesNameTheProblem(string text, string expected)
    {
        var e = Assert.Throws<EngineUserException>(() => CalibrationCache.Parse(text, "calib.txt"));
        Assert.Contains(expected, e.Message);
        Assert.Contains("calib.txt", e.Message);
    }
}

public sealed class CalibrationRunnerTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryActivationOfTheClassifierGetsAScale()
    {
        var model = TestModels.Load(TestModels.OcrClassifier, ("x", [1, 3, 48, 192]));
        var random = new Random(TestModels.NewSeed(output));
        var batches = Enumerable.Range(0, 3)
            .Select(_ => (IReadOnlyDictionary<string, EdgeAgent.Engine.Tensors.Tensor>)new Dictionary<string, EdgeAgent.Engine.Tensors.Tensor> { ["x"] = TestModels.RandomTensor(random, 1, 3, 48, 192) })
            .ToList();
        var minmax = new CalibrationRunner(model, CalibrationMethod.MinMax).Run(batches);
        // The input's scale is exactly its largest magnitude over the calibration set, / 127.
        float maxInput = batches.Max(b => b["x"].Floats.Max(MathF.Abs));
        Assert.Equal(maxInput / 127f, minmax["x"], 6);
        var conv = model.Graph.Nodes.First(n => n.OpType == "Conv").Outputs[0].Name;
        Assert.True(minmax.ContainsKey(conv));
        Assert.True(minmax.Count > model.Graph.Nodes.Count / 2);

        var entropy = new CalibrationRunner(model, CalibrationMethod.Entropy).Run(batches);
        Assert.Equal(minmax.Keys.Order(), entropy.Keys.Order());
        // Entropy never picks a threshold beyond the data's range.
        Assert.All(entropy, e => Assert.True(e.Value <= minmax[e.Key] * 1.001f, e.Key));
    }

    [Fact]
    public void NoDataIsAUserError() =>
        Assert.Throws<EngineUserException>(() => new CalibrationRunner(TestModels.Load(TestModels.OcrClassifier, ("x", [1, 3, 48, 192])), CalibrationMethod.MinMax).Run([]));
}
