namespace EdgeAgent.Telemetry.Drift;

/// <summary>
/// A distribution fixed at deploy time: bin edges at the baseline's quantiles (so every bin
/// starts equally full and PSI is sensitive everywhere) and the baseline's share per bin.
/// </summary>
public sealed record DistributionBaseline(string Name, double[] Edges, double[] Proportions)
{
    /// <summary>Edges are the inner cut points; there are Edges.Length + 1 bins.</summary>
    public int Bins => Edges.Length + 1;

    public static DistributionBaseline Capture(string name, ReadOnlySpan<double> samples, int bins = 10)
    {
        if (bins < 2) throw new ArgumentOutOfRangeException(nameof(bins));
        var sorted = samples.ToArray().Where(double.IsFinite).ToArray();
        if (sorted.Length < bins) throw new ArgumentException($"need at least {bins} finite samples for a baseline of '{name}'");
        Array.Sort(sorted);
        var edges = new List<double>();
        for (int i = 1; i < bins; i++)
        {
            double edge = sorted[(int)((long)i * sorted.Length / bins)];
            if (edges.Count == 0 || edge > edges[^1]) edges.Add(edge);
        }
        var baseline = new DistributionBaseline(name, [.. edges], new double[edges.Count + 1]);
        foreach (var s in sorted) baseline.Proportions[baseline.BinOf(s)]++;
        for (int i = 0; i < baseline.Proportions.Length; i++) baseline.Proportions[i] /= sorted.Length;
        return baseline;
    }

    public int BinOf(double value)
    {
        int index = Array.BinarySearch(Edges, value);
        return index >= 0 ? index + 1 : ~index;
    }
}

public static class PopulationStability
{
    /// <summary>Share given to an empty bin, so one empty bin does not make PSI infinite.</summary>
    public const double Epsilon = 1e-4;

    /// <summary>PSI = Σ (actual − expected) · ln(actual / expected). Below 0.1 stable, 0.1–0.25 moderate, above 0.25 significant.</summary>
    public static double Compute(ReadOnlySpan<double> expected, ReadOnlySpan<long> actualCounts)
    {
        if (expected.Length != actualCounts.Length) throw new ArgumentException("bin counts differ");
        long total = 0;
        foreach (var c in actualCounts) total += c;
        if (total == 0) return 0;
        double psi = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = Math.Max(expected[i], Epsilon);
            double a = Math.Max((double)actualCounts[i] / total, Epsilon);
            psi += (a - e) * Math.Log(a / e);
        }
        return psi;
    }
}

/// <summary>Counts the current window's values into the baseline's bins.</summary>
public sealed class DistributionTracker(DistributionBaseline baseline)
{
    private readonly long[] _counts = new long[baseline.Bins];

    public DistributionBaseline Baseline => baseline;
    public long Samples { get; private set; }

    public void Observe(double value)
    {
        if (!double.IsFinite(value)) return;
        _counts[baseline.BinOf(value)]++;
        Samples++;
    }

    public double Psi() => PopulationStability.Compute(baseline.Proportions, _counts);

    public void Reset()
    {
        Array.Clear(_counts);
        Samples = 0;
    }
}
