using EdgeAgent.Telemetry.Metrics;

namespace EdgeAgent.Telemetry.Tests.Metrics;

public sealed class LatencyHistogramTests
{
    public static TheoryData<string> Distributions() => ["uniform", "lognormal", "exponential", "bimodal"];

    private static long[] Sample(string distribution, int n, int seed)
    {
        var random = new Random(seed);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return Enumerable.Range(0, n).Select(_ => distribution switch
        {
            "uniform" => (long)random.NextInt64(1, 200_000),
            "lognormal" => (long)Math.Exp(8 + 1.2 * Gaussian()),
            "exponential" => (long)(-Math.Log(1 - random.NextDouble()) * 5_000),
            _ => random.NextDouble() < 0.9 ? (long)random.NextInt64(2_000, 3_000) : (long)random.NextInt64(40_000, 90_000),
        }).ToArray();
    }

    [Theory]
    [MemberData(nameof(Distributions))]
    public void PercentilesAreWithinOnePercentOfExactOnRandomData(string distribution)
    {
        var values = Sample(distribution, 100_000, distribution.Length);
        var histogram = new LatencyHistogram();
        foreach (var v in values) histogram.Record(v);
        Array.Sort(values);
        foreach (var p in new[] { 1.0, 10, 50, 90, 99, 99.9, 100 })
        {
            long exact = values[Math.Max(0, (int)Math.Ceiling(p / 100 * values.Length) - 1)];
            double estimate = histogram.ValueAtPercentile(p);
            double error = exact == 0 ? estimate : Math.Abs(estimate - exact) / exact;
            Assert.True(error <= 0.01, $"{distribution} p{p}: exact {exact}, estimate {estimate}, error {error:P2}");
        }
        Assert.Equal(values[^1], histogram.MaxMicros);
        Assert.Equal(values.Average(), histogram.MeanMicros, 6);
        Assert.Equal(values.Length, histogram.Count);
    }

    [Fact]
    public void BucketsTileTheRangeWithoutGapsOrOverlaps()
    {
        long expectedLower = 0;
        for (int i = 0; i < LatencyHistogram.BucketCount; i++)
        {
            var (lower, width) = LatencyHistogram.BucketRange(i);
            Assert.Equal(expectedLower, lower);
            Assert.Equal(i, LatencyHistogram.IndexOf(lower));
            Assert.Equal(i, LatencyHistogram.IndexOf(lower + width - 1));
            Assert.True(width == 1 || (double)width / lower <= 1.0 / 128 + 1e-12);
            expectedLower = lower + width;
        }
        Assert.Equal(LatencyHistogram.MaxTrackableMicros + 1, expectedLower);
    }

    [Fact]
    public void OutOfRangeValuesAreClampedNotLost()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(-5);
        histogram.Record(long.MaxValue);
        histogram.Record(TimeSpan.FromDays(30));
        Assert.Equal(3, histogram.Count);
        Assert.Equal(0, histogram.MinMicros);
        Assert.Equal(LatencyHistogram.MaxTrackableMicros, histogram.MaxMicros);
        Assert.Equal(0, new LatencyHistogram().ValueAtPercentile(99));
    }

    [Fact]
    public void RecordingAllocatesNothing()
    {
        var histogram = new LatencyHistogram();
        var windowed = new WindowedHistogram();
        histogram.Record(1);
        windowed.Record(1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100_000; i++)
        {
            histogram.Record(i * 37L);
            windowed.Record(TimeSpan.FromTicks(i * 13L));
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task ConcurrentRecordersLoseNoCounts()
    {
        var histogram = new LatencyHistogram();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < 50_000; i++) histogram.Record(t * 1000 + i % 1000);
        })));
        Assert.Equal(200_000, histogram.Count);
        Assert.Equal(3999, histogram.MaxMicros);
    }

    [Fact]
    public void WindowsAreIndependent()
    {
        var windowed = new WindowedHistogram();
        for (int i = 1; i <= 100; i++) windowed.Record(i * 1000L);
        var first = windowed.Rotate();
        Assert.Equal(100, first.Count);
        Assert.InRange(first.P50Micros, 49_500, 50_500);
        Assert.Equal(100_000, first.MaxMicros);
        windowed.Record(7);
        var second = windowed.Rotate();
        Assert.Equal(1, second.Count);
        Assert.Equal(7, second.MaxMicros);
        Assert.Equal(0, windowed.Rotate().Count);
    }
}
