namespace EdgeAgent.Engine.Quantization;

public enum CalibrationMethod { MinMax, Entropy, Percentile }

/// <summary>
/// Chooses a symmetric INT8 clipping threshold for a tensor from what calibration data showed;
/// the scale is threshold / 127.
/// </summary>
public static class Calibrators
{
    public const float DefaultPercentile = 99.99f;

    /// <summary>The largest magnitude seen: never clips, wastes resolution on outliers.</summary>
    public static float MinMax(float maxAbs) => maxAbs;

    /// <summary>The magnitude below which <paramref name="percentile"/>% of the values fall (interpolated within a bin).</summary>
    public static float Percentile(AbsHistogram histogram, float percentile = DefaultPercentile)
    {
        if (percentile <= 0 || percentile > 100) throw new ArgumentOutOfRangeException(nameof(percentile), $"percentile must be in (0, 100], got {percentile}");
        if (histogram.Total == 0) return histogram.Range;
        double target = histogram.Total * (percentile / 100.0);
        long seen = 0;
        for (int i = 0; i < histogram.Bins; i++)
        {
            long count = histogram.Counts[i];
            if (seen + count >= target && count > 0)
                return (float)((i + (target - seen) / count) * histogram.BinWidth);
            seen += count;
        }
        return histogram.Range;
    }

    /// <summary>
    /// Entropy calibration: the threshold whose 128-level quantization of the clipped distribution
    /// loses the least information (smallest KL divergence from the unquantized one), searched
    /// over thresholds of 128 to 2048 bins as TensorRT's entropy calibrator does.
    /// </summary>
    public static float Entropy(AbsHistogram histogram, int quantizedBins = 128)
    {
        int bins = histogram.Bins;
        if (histogram.Total == 0) return histogram.Range;
        // After a ReLU half the values are exact zeros. Left in, that spike dominates the first
        // quantized level, every wider threshold merges more bins into it, and the search picks
        // the narrowest clip (PP-OCR's classifier: threshold 1.3 where 99.99% of values reach
        // several times that, top-1 agreement 75%). Zeros say nothing about where to clip, so
        // the first bin counts like its neighbour.
        var counts = (long[])histogram.Counts.Clone();
        if (counts[0] > counts[1]) counts[0] = counts[1];
        int best = bins;
        double bestDivergence = double.MaxValue;
        var reference = new double[bins];
        var expanded = new double[bins];
        for (int i = quantizedBins; i <= bins; i++)
        {
            // P: the first i bins, with everything beyond folded into the last (clipping).
            double outliers = 0;
            for (int k = i; k < bins; k++) outliers += counts[k];
            for (int k = 0; k < i; k++) reference[k] = counts[k];
            reference[i - 1] += outliers;
            if (reference.AsSpan(0, i).IndexOfAnyExcept(0d) < 0) continue;

            // Q: the same i bins merged into quantizedBins levels, each level's mass spread back
            // evenly over the source bins that were non-zero.
            Array.Clear(expanded, 0, i);
            double step = (double)i / quantizedBins;
            for (int q = 0; q < quantizedBins; q++)
            {
                int start = (int)Math.Floor(q * step), end = q == quantizedBins - 1 ? i : (int)Math.Floor((q + 1) * step);
                double mass = 0;
                int nonZero = 0;
                for (int k = start; k < end; k++)
                {
                    mass += counts[k];
                    if (counts[k] != 0) nonZero++;
                }
                if (nonZero == 0) continue;
                for (int k = start; k < end; k++)
                    if (counts[k] != 0) expanded[k] = mass / nonZero;
            }
            double divergence = KullbackLeibler(reference.AsSpan(0, i), expanded.AsSpan(0, i));
            if (divergence < bestDivergence)
            {
                bestDivergence = divergence;
                best = i;
            }
        }
        return (best + 0.5f) * histogram.BinWidth;
    }

    /// <summary>KL(P || Q) of two unnormalized distributions; bins where P is zero contribute nothing, where only Q is zero a large penalty.</summary>
    internal static double KullbackLeibler(ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        double sumP = 0, sumQ = 0;
        for (int k = 0; k < p.Length; k++) { sumP += p[k]; sumQ += q[k]; }
        if (sumP == 0) return 0;
        double divergence = 0;
        for (int k = 0; k < p.Length; k++)
        {
            if (p[k] == 0) continue;
            double pk = p[k] / sumP;
            double qk = q[k] > 0 && sumQ > 0 ? q[k] / sumQ : 1e-12;
            divergence += pk * Math.Log(pk / qk);
        }
        return divergence;
    }
}
