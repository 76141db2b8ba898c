using EdgeAgent.Engine.Tensors;
using Xunit.Sdk;

namespace EdgeAgent.Engine.Tests.Oracle;

public sealed class TensorAssertTests
{
    private static readonly Tensor Expected = Tensor.FromFloats([3f, 4f], 2);
    private static readonly Tensor Actual = Tensor.FromFloats([3f, 4.5f], 2);

    [Fact]
    public void MeasuresAgreeWithTheirDefinitions()
    {
        // diff = (0, 0.5), |expected| = 5
        Assert.Equal(0.1, TensorAssert.RelativeL2(Expected, Actual), 12);
        Assert.Equal(0.5, TensorAssert.MaxAbs(Expected, Actual), 12);
        Assert.Equal((3 * 3 + 4 * 4.5) / (5 * Math.Sqrt(3 * 3 + 4.5 * 4.5)), TensorAssert.Cosine(Expected, Actual), 12);
        Assert.Equal(0, TensorAssert.RelativeL2(Expected, Expected));
        Assert.Equal(1, TensorAssert.Cosine(Expected, Expected), 12);
    }

    [Fact]
    public void ZeroTensorsAreHandledWithoutDividingByZero()
    {
        var zero = Tensor.FromFloats([0f, 0f], 2);
        Assert.Equal(0, TensorAssert.RelativeL2(zero, zero));
        Assert.Equal(double.PositiveInfinity, TensorAssert.RelativeL2(zero, Actual));
        Assert.Equal(0, TensorAssert.Cosine(zero, Actual));
    }

    [Fact]
    public void AssertClosePassesWithinToleranceAndFailsBeyondItPrintingTheNumbers()
    {
        TensorAssert.AssertClose(Expected, Actual, 0.11, "within");
        var e = Assert.Throws<FailException>(() => TensorAssert.AssertClose(Expected, Actual, 0.09, "conv1"));
        Assert.Contains("conv1", e.Message);
        Assert.Contains("1.000E-001", e.Message);
        Assert.Contains("max abs 5.000E-001", e.Message);
        Assert.Contains("worst element 1", e.Message);
    }

    [Fact]
    public void AssertCloseFailsOnShapeMismatch()
    {
        var e = Assert.Throws<FailException>(() =>
            TensorAssert.AssertClose(Tensor.FromFloats([1f, 2f], 2, 1), Tensor.FromFloats([1f, 2f], 1, 2), 1, "reshape"));
        Assert.Contains("shape", e.Message);
    }

    [Fact]
    public void NonFiniteValuesMustMatchExactly()
    {
        var inf = Tensor.FromFloats([float.PositiveInfinity, 1f, float.NaN], 3);
        TensorAssert.AssertClose(inf, Tensor.FromFloats([float.PositiveInfinity, 1f, float.NaN], 3), 1e-6, "same");
        Assert.Throws<FailException>(() =>
            TensorAssert.AssertClose(inf, Tensor.FromFloats([float.PositiveInfinity, 1f, 0f], 3), 1e9, "nan lost"));
        Assert.Throws<FailException>(() =>
            TensorAssert.AssertClose(Tensor.FromFloats([1f], 1), Tensor.FromFloats([float.NaN], 1), 1e9, "nan appeared"));
    }
}
