using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Tests.Oracle;

/// <summary>
/// Numeric comparison of tensors. Relative L2 error is the acceptance measure because it is
/// insensitive to a tensor's scale and size; max-abs and cosine are printed beside it so a
/// failure shows whether the error is everywhere (scale, layout) or in a few elements.
/// </summary>
public static class TensorAssert
{
    public static double RelativeL2(Tensor expected, Tensor actual) => TensorMetrics.RelativeL2(expected, actual);
    public static double MaxAbs(Tensor expected, Tensor actual) => TensorMetrics.MaxAbs(expected, actual);
    public static double Cosine(Tensor expected, Tensor actual) => TensorMetrics.Cosine(expected, actual);

    /// <summary>Fails unless the shapes match, non-finite values agree and the relative L2 error is within tolerance.</summary>
    /// <param name="floor">
    /// Smallest RMS the error is measured against (0: none). An output that cancels to nearly zero,
    /// such as the sum of many random values, would otherwise turn float32 rounding into a large
    /// relative error.
    /// </param>
    public static void AssertClose(Tensor expected, Tensor actual, double relL2Tolerance, string label, double floor = 0)
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
        if (floor > 0 && e.Length > 0)
        {
            double rms = Math.Sqrt(e.Where(float.IsFinite).Sum(v => (double)v * v) / e.Length);
            if (rms < floor) rel *= rms / floor;
        }
        if (!(rel <= relL2Tolerance))
        {
            int worst = TensorMetrics.WorstIndex(e, a);
            Assert.Fail($"{label}: relative L2 error {rel:E3} exceeds {relL2Tolerance:E1} " +
                $"(max abs {MaxAbs(expected, actual):E3}, cosine {Cosine(expected, actual):F6}, " +
                $"worst element {worst}: {a[worst]} vs expected {e[worst]}, shape {Tensor.ShapeText(expected.Shape)})");
        }
    }
}
