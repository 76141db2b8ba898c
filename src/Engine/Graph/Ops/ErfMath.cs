namespace EdgeAgent.Engine.Graph.Ops;

/// <summary>
/// The error function, which .NET's Math lacks: the Maclaurin series near zero (where
/// 1 - erfc would lose relative precision) and the complementary error function's
/// Chebyshev-fitted exponential form elsewhere (fractional error below 1.2e-7), in double.
/// </summary>
public static class ErfMath
{
    public static double Erf(double x)
    {
        double z = Math.Abs(x);
        if (z < 0.5) return Series(x);
        double t = 2.0 / (2.0 + z);
        double poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
            t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
            t * (-0.82215223 + t * 0.17087277))))))));
        double erfc = t * Math.Exp(poly);
        return x >= 0 ? 1.0 - erfc : erfc - 1.0;
    }

    /// <summary>2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)); 12 terms reach double precision for |x| &lt; 0.5.</summary>
    private static double Series(double x)
    {
        double term = x, sum = x, x2 = x * x;
        for (int n = 1; n < 12; n++)
        {
            term *= -x2 / n;
            sum += term / (2 * n + 1);
        }
        return sum * 2.0 / Math.Sqrt(Math.PI);
    }
}
