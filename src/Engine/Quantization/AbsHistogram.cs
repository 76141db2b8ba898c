namespace EdgeAgent.Engine.Quantization;

/// <summary>
/// A histogram of |x| over [0, Range) with a fixed number of bins (2048 by default, as entropy
/// calibration uses). Values at or beyond the range land in the last bin. Constant memory.
/// </summary>
public sealed class AbsHistogram
{
    public const int DefaultBins = 2048;

    public AbsHistogram(float range, int bins = DefaultBins)
    {
        if (!(range > 0) || !float.IsFinite(range)) throw new ArgumentOutOfRangeException(nameof(range), $"range must be positive and finite, got {range}");
        if (bins < 128) throw new ArgumentOutOfRangeException(nameof(bins), "at least 128 bins are needed");
        Range = range;
        Counts = new long[bins];
    }

    public float Range { get; }
    public long[] Counts { get; }
    public int Bins => Counts.Length;
    public float BinWidth => Range / Bins;
    public long Total { get; private set; }

    public void Add(ReadOnlySpan<float> values)
    {
        float scale = Bins / Range;
        foreach (float v in values)
        {
            if (float.IsNaN(v)) continue;
            int bin = (int)Math.Min(Bins - 1, MathF.Abs(v) * scale);
            Counts[bin]++;
        }
        Total += values.Length;
    }
}
