using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Tests.Oracle;

/// <summary>
/// Numeric comparison of tensors. Relative L2 error is the acceptance measure because it is
/// insensitive to a tensor's scale and size; max-abs and cosine are printed beside it so a
/// failure shows whether the error is everywhere (scale, layout) or in a few elements.
/// </summary>
public static class TensorAssert
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

    /// <summary>Fails unless the shapes match, non-finite values agree and the relative L2 error is within tolerance.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double relL2Tolerance, string label)
    {
        if (!expected.Shape.SequenceEqual(actual.Shape))
            Assert.Fail($"{label}: shape {Tensor.ShapeText(actual.Shape)} differs from expected {Tensor.ShapeText(expected.Shape)}");
        float[] e = expected.ToFloats(), a = actual.ToFloats();
        for (int i = 0; i < e.Length; i++)
        {
            bool same = float.IsFinite(e[i]) ? float.IsFinite(a[i]) : e[i].Equals(a[i]);
            if (!same) Assert.Fail($"{label}: element {i} is {a[i]}, expected {e[i]} (non-finite values must match exactly)");
        }
        double rel = RelativeL2(expected, actual);
        if (!(rel <= relL2Tolerance))
        {
            int worst = WorstIndex(e, a);
            Assert.Fail($"{label}: relative L2 error {rel:E3} exceeds {relL2Tolerance:E1} " +
                $"(max abs {MaxAbs(expected, actual):E3}, cosine {Cosine(expected, actual):F6}, " +
                $"worst element {worst}: {a[worst]} vs expected {e[worst]}, shape {Tensor.ShapeText(expected.Shape)})");
        }
    }

    private static (float[] Expected, float[] Actual) Pair(Tensor expected, Tensor actual)
    {
        if (expected.Length != actual.Length)
            throw new ArgumentException($"tensors differ in size: {expected} vs {actual}");
        return (expected.ToFloats(), actual.ToFloats());
    }

    /// <summary>Matching infinities or NaNs are agreement, not an error of infinite size.</summary>
    private static bool SameNonFinite(float e, float a) => !float.IsFinite(e) && e.Equals(a);

    private static int WorstIndex(float[] e, float[] a)
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
