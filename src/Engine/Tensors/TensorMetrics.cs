namespace EdgeAgent.Engine.Tensors;

/// <summary>
/// Numeric comparison of tensors. Relative L2 error is the acceptance measure because it is
/// insensitive to a tensor's scale and size; max-abs and cosine go beside it so a report shows
/// whether an error is everywhere (scale, layout) or in a few elements. Non-finite values that
/// match exactly are left out of every measure.
/// </summary>
public static class TensorMetrics
{
    /// <summary>||actual - expected||₂ / ||expected||₂ over elements that are not matching non-finite values; 0 when both are zero, +∞ when only expected is.</summary>
    public static double RelativeL2(Tensor expected, Tensor actual)
    {
        var (e, a) = Pair(expected, actual);
        double diff = 0, norm = 0;
        for (int i = 0; i < e.Length; i++)
        {
            if (SameNonFinite(e[i], a[i])) continue;
            double d = (double)a[i] - e[i];
            diff += d * d;
            norm += (double)e[i] * e[i];
        }
        if (norm == 0) return diff == 0 ? 0 : double.PositiveInfinity;
        return Math.Sqrt(diff / norm);
    }

    public static double MaxAbs(Tensor expected, Tensor actual)
    {
        var (e, a) = Pair(expected, actual);
        double max = 0;
        for (int i = 0; i < e.Length; i++)
        {
            if (SameNonFinite(e[i], a[i])) continue;
            double d = Math.Abs((double)a[i] - e[i]);
            if (double.IsNaN(d)) return double.NaN;
            max = Math.Max(max, d);
        }
        return max;
    }

    /// <summary>Cosine similarity of the flattened tensors; 1 when both are zero, 0 when only one is.</summary>
    public static double Cosine(Tensor expected, Tensor actual)
    {
        var (e, a) = Pair(expected, actual);
        double dot = 0, ne = 0, na = 0;
        for (int i = 0; i < e.Length; i++)
        {
            if (SameNonFinite(e[i], a[i])) continue;
            dot += (double)e[i] * a[i];
            ne += (double)e[i] * e[i];
            na += (double)a[i] * a[i];
        }
        if (ne == 0 && na == 0) return 1;
        if (ne == 0 || na == 0) return 0;
        return dot / Math.Sqrt(ne * na);
    }

    internal static (float[] Expected, float[] Actual) Pair(Tensor expected, Tensor actual)
    {
        if (expected.Length != actual.Length)
            throw new ArgumentException($"tensors differ in size: {expected} vs {actual}");
        return (expected.ToFloats(), actual.ToFloats());
    }

    /// <summary>Matching infinities or NaNs are agreement, not an error of infinite size.</summary>
    internal static bool SameNonFinite(float e, float a) => !float.IsFinite(e) && e.Equals(a);

    internal static int WorstIndex(float[] e, float[] a)
    {
        int worst = 0;
        double max = -1;
        for (int i = 0; i < e.Length; i++)
        {
            double d = Math.Abs((double)a[i] - e[i]);
            if (float.IsFinite(e[i]) && d > max) { max = d; worst = i; }
        }
        return worst;
    }
}
