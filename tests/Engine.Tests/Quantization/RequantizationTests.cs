using EdgeAgent.Engine.Backends.Reference.Kernels;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Tests.Quantization;

/// <summary>
/// The requantization arithmetic every INT8 kernel (CPU, and on the GPU <c>requantize</c> in
/// qconv.cuh, which uses the same round-half-to-even) is checked against, here against a scalar
/// model written out term by term: int32 accumulation, per-channel scale, bias, residual and
/// activation in the fused node's order, post affine, round half to even, clamp to ±127.
/// </summary>
public sealed class RequantizationTests(ITestOutputHelper output)
{
    [Fact]
    public void QuantizeRoundsHalfToEvenAndSaturatesSymmetrically()
    {
        Assert.Equal(0, QuantizedOps.Quantize(0.5f, 1f));
        Assert.Equal(2, QuantizedOps.Quantize(1.5f, 1f));
        Assert.Equal(2, QuantizedOps.Quantize(2.5f, 1f));
        Assert.Equal(-2, QuantizedOps.Quantize(-2.5f, 1f));
        Assert.Equal(-4, QuantizedOps.Quantize(-3.5f, 1f));
        Assert.Equal(3, QuantizedOps.Quantize(0.3f, 10f));
        Assert.Equal(127, QuantizedOps.Quantize(1e6f, 1f));
        Assert.Equal(-127, QuantizedOps.Quantize(-1e6f, 1f)); // never -128: the range is symmetric
        Assert.Equal(-127, QuantizedOps.Quantize(float.NegativeInfinity, 1f));
        Assert.Equal(0, QuantizedOps.Quantize(float.NaN, 1f));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void TheReferenceQConvIsTheScalarModel(bool activationFirst, bool floatResidual)
    {
        int seed = TestModels.NewSeed(output);
        var random = new Random(seed);
        const int n = 2, c = 8, h = 3, w = 4, m = 5;
        var x = new sbyte[n * c * h * w];
        var wt = new sbyte[m * c];
        for (int i = 0; i < x.Length; i++) x[i] = (sbyte)random.Next(-127, 128);
        for (int i = 0; i < wt.Length; i++) wt[i] = (sbyte)random.Next(-127, 128);
        var wScale = Enumerable.Range(0, m).Select(_ => (float)(0.0005 + random.NextDouble() * 0.002)).ToArray();
        var bias = Enumerable.Range(0, m).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float xScale = 0.03f, yScale = 0.04f, residualScale = 0.02f, postScale = 1.25f, postShift = -0.1f;
        int outLength = n * m * h * w;
        var residualInt8 = new sbyte[outLength];
        var residualFloat = new float[outLength];
        for (int i = 0; i < outLength; i++)
        {
            residualInt8[i] = (sbyte)random.Next(-127, 128);
            residualFloat[i] = (float)(random.NextDouble() * 4 - 2);
        }
        var activation = new Activation(ActivationKind.LeakyRelu, 0.1f);

        var node = new Node("q", QuantizedOps.QConv, FusedOps.Domain);
        node.SetAttribute(NodeAttribute.Of("activation_first", activationFirst ? 1L : 0L));
        node.SetAttribute(NodeAttribute.Of("post_scale", postScale));
        node.SetAttribute(NodeAttribute.Of("post_shift", postShift));
        activation.WriteTo(node);
        int[] outShape = [n, m, h, w];
        var y = (sbyte[])QuantizedKernels.QConv(node,
        [
            new Tensor(DataType.Int8, [n, c, h, w], x), new Tensor(DataType.Int8, [m, c, 1, 1], wt), Tensor.FromFloats(bias, m),
            floatResidual ? Tensor.FromFloats(residualFloat, outShape) : new Tensor(DataType.Int8, outShape, residualInt8),
            Tensor.Scalar(xScale), Tensor.FromFloats(wScale, m), Tensor.Scalar(yScale), floatResidual ? null : Tensor.Scalar(residualScale),
        ])[0].Data;

        int saturated = 0;
        for (int b = 0; b < n; b++)
        for (int o = 0; o < m; o++)
        for (int p = 0; p < h * w; p++)
        {
            int acc = 0;
            for (int ci = 0; ci < c; ci++) acc += x[(b * c + ci) * h * w + p] * wt[o * c + ci];
            int at = (b * m + o) * h * w + p;
            float r = floatResidual ? residualFloat[at] : residualInt8[at] * residualScale;
            float v = acc * (xScale * wScale[o]) + bias[o];
            v = activationFirst ? activation.Apply(v) + r : activation.Apply(v + r);
            v = v * postScale + postShift;
            float q = MathF.Round(v * (1f / yScale), MidpointRounding.ToEven);
            sbyte expected = (sbyte)Math.Clamp(q, -127f, 127f);
            if (Math.Abs(q) >= 127) saturated++;
            Assert.True(expected == y[at], $"seed {seed}: out[{b},{o},{p}] = {y[at]}, the scalar model says {expected} (acc {acc}, value {v})");
        }
        output.WriteLine($"{outLength} outputs match, {saturated} saturated");
    }
}
