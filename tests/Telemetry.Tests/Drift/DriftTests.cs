using EdgeAgent.Telemetry.Drift;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Tests.Drift;

public sealed class DriftTests
{
    private static double[] Normal(int n, double mean, double sd, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n)
            .Select(_ => mean + sd * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))
            .ToArray();
    }

    [Fact]
    public void PsiOfTheSameDistributionIsNearZeroAndOfAShiftedOneAboveThreshold()
    {
        var baseline = DistributionBaseline.Capture("x", Normal(20_000, 0.7, 0.1, 1));
        var same = new DistributionTracker(baseline);
        foreach (var v in Normal(20_000, 0.7, 0.1, 2)) same.Observe(v);
        Assert.InRange(same.Psi(), 0, 0.01);

        var shifted = new DistributionTracker(baseline);
        foreach (var v in Normal(20_000, 0.55, 0.1, 3)) shifted.Observe(v);
        Assert.True(shifted.Psi() > 0.25, $"PSI {shifted.Psi()}");

        var wider = new DistributionTracker(baseline);
        foreach (var v in Normal(20_000, 0.7, 0.25, 4)) wider.Observe(v);
        Assert.True(wider.Psi() > 0.25, $"PSI {wider.Psi()}");
    }

    [Fact]
    public void PsiHandlesEmptyBinsAndBadInput()
    {
        Assert.Equal(0, PopulationStability.Compute([0.5, 0.5], [0, 0]));
        Assert.True(double.IsFinite(PopulationStability.Compute([0.5, 0.5], [100, 0])));
        Assert.Throws<ArgumentException>(() => PopulationStability.Compute([1.0], [1, 2]));
        Assert.Throws<ArgumentException>(() => DistributionBaseline.Capture("y", [1, 2, double.NaN]));
        var constant = DistributionBaseline.Capture("c", Enumerable.Repeat(3.0, 100).ToArray());
        var tracker = new DistributionTracker(constant);
        tracker.Observe(double.NaN);
        tracker.Observe(3);
        Assert.Equal(1, tracker.Samples);
        Assert.InRange(tracker.Psi(), 0, 1e-9);
    }

    [Fact]
    public void ShadowMetricsMeasureAgreement()
    {
        float[] a = [1, 2, 3], b = [2, 4, 6], c = [-1, -2, -3];
        Assert.Equal(1, ShadowComparison.CosineSimilarity(a, b), 6);
        Assert.Equal(-1, ShadowComparison.CosineSimilarity(a, c), 6);
        Assert.Equal(1, ShadowComparison.CosineSimilarity([0, 0], [0, 0]));
        Assert.Equal(0, ShadowComparison.CosineSimilarity([0, 0], [1, 0]));
        Assert.Throws<ArgumentException>(() => ShadowComparison.CosineSimilarity(a, [1f]));
        Assert.True(ShadowComparison.Top1Agrees([0.1f, 0.7f, 0.2f], [0.2f, 0.5f, 0.3f]));
        Assert.False(ShadowComparison.Top1Agrees([0.1f, 0.7f, 0.2f], [0.6f, 0.3f, 0.1f]));

        DetectionBox[] reference = [new(0, 0, 0.2f, 0.2f, 1), new(0.5f, 0.5f, 0.9f, 0.9f, 2)];
        DetectionBox[] candidate = [new(0.01f, 0.01f, 0.21f, 0.21f, 1), new(0.5f, 0.5f, 0.9f, 0.9f, 3)];
        Assert.Equal(0.5, ShadowComparison.BoxRecall(candidate, reference)); // second box has the wrong class
        Assert.Equal(1, ShadowComparison.BoxRecall(reference, reference));
        Assert.Equal(1, ShadowComparison.BoxRecall([], []));
        Assert.Equal(0, ShadowComparison.BoxRecall([], reference));
        // One candidate cannot satisfy two reference boxes.
        Assert.Equal(0.5, ShadowComparison.BoxRecall([reference[0]], [reference[0], reference[0]]));

        float[] map1 = [0.9f, 0.9f, 0.1f, 0.1f], map2 = [0.9f, 0.1f, 0.9f, 0.1f];
        Assert.Equal(1.0 / 3, ShadowComparison.BinarizedMapIoU(map1, map2), 6);
        Assert.Equal(1, ShadowComparison.BinarizedMapIoU([0f, 0f], [0f, 0f]));
    }

    [Fact]
    public void MonitorRaisesOneEventWhenDriftStartsAndOneWhenItClears()
    {
        var monitor = new DriftMonitor(new DriftThresholds { MinSamples = 10 });
        monitor.SetBaseline(DistributionBaseline.Capture(DriftMonitor.Confidence, Normal(5000, 0.8, 0.05, 5)));

        void Window(double cosine, double confidenceMean, int seed)
        {
            for (int i = 0; i < 50; i++) monitor.ObserveShadow(new ShadowObservation(cosine, Top1Agrees: true));
            foreach (var v in Normal(500, confidenceMean, 0.05, seed)) monitor.ObserveConfidence(v);
        }

        Window(0.99, 0.8, 6);
        var healthy = monitor.Evaluate();
        Assert.Empty(healthy.Events);
        Assert.Equal(0.99, healthy.Shadow!.CosineMean, 6);
        Assert.Equal(1, healthy.Shadow.Top1Agreement);
        Assert.Single(healthy.Distributions);

        Window(0.80, 0.6, 7);
        var drifting = monitor.Evaluate();
        Assert.Contains(drifting.Events, e => e.Metric == "cosine_mean" && !e.Cleared && e.Signal == DriftEvent.Types.Signal.Shadow);
        Assert.Contains(drifting.Events, e => e.Metric == "psi:output_confidence" && !e.Cleared && e.Value > 0.25);

        Window(0.80, 0.6, 8);
        Assert.Empty(monitor.Evaluate().Events); // still drifting: no repeat

        Window(0.99, 0.8, 9);
        var cleared = monitor.Evaluate();
        Assert.Equal(2, cleared.Events.Count);
        Assert.All(cleared.Events, e => Assert.True(e.Cleared));
        Assert.Equal(Event.Types.Severity.Info, DriftMonitor.ToEvent(cleared.Events[0], null).Severity);
    }

    [Fact]
    public void TooFewSamplesNeverRaiseEvents()
    {
        var monitor = new DriftMonitor(new DriftThresholds { MinSamples = 20 });
        for (int i = 0; i < 5; i++) monitor.ObserveShadow(new ShadowObservation(0.1));
        var report = monitor.Evaluate();
        Assert.Empty(report.Events);
        Assert.Equal(5UL, report.Shadow!.Samples);
    }

    [Fact]
    public void InputStatisticsSeparateBrightDarkSharpAndBlurry()
    {
        const int w = 64, h = 48;
        byte[] Frame(Func<int, int, int> f) => Enumerable.Range(0, w * h).Select(i => (byte)Math.Clamp(f(i % w, i / w), 0, 255)).ToArray();
        var dark = InputStatistics.Compute(Frame((_, _) => 20), w, h, w, step: 1);
        var checker = InputStatistics.Compute(Frame((x, y) => (x + y) % 2 == 0 ? 0 : 255), w, h, w, step: 1);
        var smooth = InputStatistics.Compute(Frame((x, _) => x * 4), w, h, w, step: 1);
        Assert.Equal(20, dark.MeanBrightness, 6);
        Assert.Equal(0, dark.Contrast, 6);
        Assert.Equal(0, dark.Blur, 6);
        Assert.True(checker.Blur > 1000 * Math.Max(smooth.Blur, 1), $"sharp {checker.Blur} vs smooth {smooth.Blur}");
        Assert.Throws<ArgumentException>(() => InputStatistics.Compute(new byte[10], w, h, w));
        Assert.Throws<ArgumentException>(() => InputStatistics.Compute(new byte[w * h], w, h, w - 1));
    }

    private sealed class ManualTime : TimeProvider
    {
        public long Ticks;
        public override long GetTimestamp() => Ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }

    [Fact]
    public void SamplerTakesEveryNthFrameWithinTheBudget()
    {
        var time = new ManualTime();
        var sampler = new ShadowSampler(everyNth: 5, budgetFraction: 0.1, time);
        int sampled = 0;
        for (long frame = 0; frame < 3000; frame++)
        {
            time.Ticks += TimeSpan.FromMilliseconds(10).Ticks; // 100 fps
            if (!sampler.ShouldSample(frame)) continue;
            Assert.Equal(0, frame % 5);
            sampled++;
            sampler.Spent(TimeSpan.FromMilliseconds(20)); // reference is slow: 20 ms per run
        }
        // 30 s at a 10% budget buys 3 s of reference time = ~150 runs, far fewer than the 600 every-5th frames.
        Assert.InRange(sampled, 140, 160);
        Assert.InRange(sampler.TakeBudgetUsed(), 0.09, 0.11);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShadowSampler(0, 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShadowSampler(1, 1.5));
    }
}
