using System.Numerics;
using System.Runtime.CompilerServices;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// exp, sigmoid, tanh and erf on <see cref="Vector{T}"/> with relative error near 1e-7, so a
/// fused epilogue matches the reference's MathF/double results well inside the 1e-4
/// whole-model tolerance (library approximations trading accuracy for speed would not).
/// </summary>
internal static class VectorMath
{
    // Below this exp underflows to denormals; above it 2^n would overflow the exponent field.
    private const float ExpLow = -87f, ExpHigh = 88f;
    private const float Log2E = 1.44269504088896341f;
    // ln 2 split in two so n * Ln2Hi is exact for the n in range (Cody and Waite).
    private const float Ln2Hi = 0.693145751953125f, Ln2Lo = 1.42860682030941723e-6f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> x)
    {
        x = Vector.Min(Vector.Max(x, new Vector<float>(ExpLow)), new Vector<float>(ExpHigh));
        var n = Vector.Floor(x * new Vector<float>(Log2E) + new Vector<float>(0.5f));
        var r = x - n * new Vector<float>(Ln2Hi) - n * new Vector<float>(Ln2Lo);
        // Taylor to degree 7 on |r| <= ln2/2: truncation error r^8/8! < 6e-9.
        var p = new Vector<float>(1f / 5040);
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 720));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 120));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 24));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 6));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(0.5f));
        p = Vector.FusedMultiplyAdd(p, r, Vector<float>.One);
        p = Vector.FusedMultiplyAdd(p, r, Vector<float>.One);
        var scale = Vector.ShiftLeft(Vector.ConvertToInt32(n) + new Vector<int>(127), 23);
        return p * Vector.AsVectorSingle(scale);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Sigmoid(Vector<float> x) => Vector<float>.One / (Vector<float>.One + Exp(-x));

    /// <summary>
    /// (1 - e)/(1 + e) with e = exp(-2|x|) loses relative precision as |x| -> 0, so small
    /// inputs take the odd Taylor series (error below 1e-10 relative for |x| &lt; 0.1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Tanh(Vector<float> x)
    {
        var ax = Vector.Abs(x);
        var e = Exp(new Vector<float>(-2f) * ax);
        var big = (Vector<float>.One - e) / (Vector<float>.One + e);
        big = Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), -big, big);
        var x2 = x * x;
        var s = new Vector<float>(-17f / 315);
        s = Vector.FusedMultiplyAdd(s, x2, new Vector<float>(2f / 15));
        s = Vector.FusedMultiplyAdd(s, x2, new Vector<float>(-1f / 3));
        var small = x + x * x2 * s;
        return Vector.ConditionalSelect(Vector.LessThan(ax, new Vector<float>(0.1f)), small, big);
    }

    /// <summary>0.5 x (1 + erf(x / sqrt 2)), the erf form ONNX's Gelu uses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Gelu(Vector<float> x)
    {
        var z = x * new Vector<float>(0.70710678118654752f);
        var az = Vector.Abs(z);
        // Maclaurin series of erf up to z^13 for |z| < 0.5 (truncation below 1e-9).
        var z2 = z * z;
        var s = new Vector<float>(1f / 9360);          // 1/(6! 13)
        s = Vector.FusedMultiplyAdd(s, z2, new Vector<float>(-1f / 1320));     // 1/(5! 11)
        s = Vector.FusedMultiplyAdd(s, z2, new Vector<float>(1f / 216));      // 1/(4! 9)
        s = Vector.FusedMultiplyAdd(s, z2, new Vector<float>(-1f / 42));       // 1/(3! 7)
        s = Vector.FusedMultiplyAdd(s, z2, new Vector<float>(1f / 10));       // 1/(2! 5)
        s = Vector.FusedMultiplyAdd(s, z2, new Vector<float>(-1f / 3));
        s = Vector.FusedMultiplyAdd(s, z2, Vector<float>.One);
        var seriesOnePlusErf = Vector<float>.One + z * s * new Vector<float>(1.12837916709551257f);
        // erfc by the Chebyshev-fitted exponential form (fractional error 1.2e-7); taking
        // 1 + erf as erfc(|z|) for negative z keeps relative precision in the left tail.
        var t = new Vector<float>(2f) / (new Vector<float>(2f) + az);
        var p = new Vector<float>(0.17087277f);
        p = Vector.FusedMultiplyAdd(p, t, new Vector<float>(-0.82215223f));
        p = Vector.FusedMultiplyAdd(p, t, new Vector<float>(1.48851587f));
        p = Vector.FusedMultiplyAdd(p, t, new Vector<float>(-1.13520398f));
        p = Vector.FusedMultiplyAdd(p, t, new Vector<float>(0.27886807f));
        p = Vector.FusedMultiplyAdd(p, t, new Vector<float>(-0.18628806f));
        p = Vector.FusedMultiplyAdd(p, t, new Vector<float>(0.09678418f));
        p = Vector.FusedMultiplyAdd(p, t, new Vector<float>(0.37409196f));
        p = Vector.FusedMultiplyAdd(p, t, new Vector<float>(1.00002368f));
        p = Vector.FusedMultiplyAdd(p, t, new Vector<float>(-1.26551223f));
        var erfc = t * Exp(p - az * az);
        var tail = Vector.ConditionalSelect(Vector.LessThan(z, Vector<float>.Zero), erfc, new Vector<float>(2f) - erfc);
        var onePlusErf = Vector.ConditionalSelect(Vector.LessThan(az, new Vector<float>(0.5f)), seriesOnePlusErf, tail);
        return new Vector<float>(0.5f) * x * onePlusErf;
    }
}
