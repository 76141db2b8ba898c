using System.Numerics;

namespace EdgeAgent.Telemetry.Metrics;

/// <summary>
/// HDR-style log-linear histogram of latencies in microseconds: exact below 256 µs, then 128
/// linear buckets per power of two, so any percentile is within 0.4% of the true value while
/// memory stays fixed (3,840 counters) whatever the rate. Recording is lock-free and
/// allocation-free, safe from any number of threads.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits;       // 128
    private const int LinearLimit = SubBuckets * 2;           // values below are exact
    private const int MaxExponent = 35;                        // 2^36 µs ≈ 19 h: anything longer is clamped
    public const long MaxTrackableMicros = (1L << (MaxExponent + 1)) - 1;
    internal const int BucketCount = (MaxExponent - SubBucketBits + 1) * SubBuckets + SubBuckets; // 3840

    private readonly long[] _counts = new long[BucketCount];
    private long _count, _sum, _max, _min = long.MaxValue;

    public long Count => Volatile.Read(ref _count);
    public long MaxMicros => Count == 0 ? 0 : Volatile.Read(ref _max);
    public long MinMicros => Count == 0 ? 0 : Volatile.Read(ref _min);
    public double MeanMicros => Count == 0 ? 0 : (double)Volatile.Read(ref _sum) / Count;

    public void Record(TimeSpan latency) => Record(latency.Ticks / TimeSpan.TicksPerMicrosecond);

    /// <summary>Records one value; negatives (clock steps) count as zero.</summary>
    public void Record(long micros)
    {
        long value = Math.Clamp(micros, 0, MaxTrackableMicros);
        Interlocked.Increment(ref _counts[IndexOf(value)]);
        Interlocked.Add(ref _sum, value);
        long seen;
        while (value > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, value, seen) != seen) { }
        while (value < (seen = Volatile.Read(ref _min)) && Interlocked.CompareExchange(ref _min, value, seen) != seen) { }
        Interlocked.Increment(ref _count);
    }

    internal static int IndexOf(long value)
    {
        if (value < LinearLimit) return (int)value;
        int exponent = 63 - BitOperations.LeadingZeroCount((ulong)value);
        int shift = exponent - SubBucketBits;
        return shift * SubBuckets + (int)(value >> shift);
    }

    internal static (long Lower, long Width) BucketRange(int index)
    {
        if (index < LinearLimit) return (index, 1);
        int shift = index / SubBuckets - 1;
        long sub = index % SubBuckets + SubBuckets;
        return (sub << shift, 1L << shift);
    }

    /// <summary>Nearest-rank percentile (0-100), reported at its bucket's midpoint and clamped to the observed range.</summary>
    public double ValueAtPercentile(double percentile)
    {
        long count = Count;
        if (count == 0) return 0;
        long rank = Math.Max(1, (long)Math.Ceiling(Math.Clamp(percentile, 0, 100) / 100.0 * count));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen < rank) continue;
            var (lower, width) = BucketRange(i);
            double mid = width == 1 ? lower : lower + (width - 1) / 2.0;
            return Math.Clamp(mid, MinMicros, MaxMicros);
        }
        return MaxMicros;
    }

    public LatencySummary Summarize() => new(Count, ValueAtPercentile(50), ValueAtPercentile(90), ValueAtPercentile(99), MaxMicros, MeanMicros);

    public void Reset()
    {
        Array.Clear(_counts);
        Volatile.Write(ref _count, 0);
        Volatile.Write(ref _sum, 0);
        Volatile.Write(ref _max, 0);
        Volatile.Write(ref _min, long.MaxValue);
    }
}

/// <summary>Percentiles of one window, in microseconds.</summary>
public sealed record LatencySummary(long Count, double P50Micros, double P90Micros, double P99Micros, double MaxMicros, double MeanMicros);
