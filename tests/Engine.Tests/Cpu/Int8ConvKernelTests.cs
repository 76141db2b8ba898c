using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Backends.Reference.Kernels;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Tests.Cpu;

/// <summary>
/// Every INT8 kernel family this CPU runs against the reference QConv, on random int8 data
/// (never zeros) over shapes that hit every edge: K not a multiple of 4, rows not a multiple of
/// 4, columns not a multiple of 16, padding, stride, dilation, groups, batch. The portable path
/// must match bit for bit; vector paths within one int8 step (their activations are vector
/// approximations of the reference's).
/// </summary>
public sealed class Int8ConvKernelTests(ITestOutputHelper output)
{
    public static TheoryData<Int8Isa> RunnableIsas()
    {
        var data = new TheoryData<Int8Isa>();
        foreach (var isa in Enum.GetValues<Int8Isa>()) if (Int8Isas.IsAccelerated(isa)) data.Add(isa);
        return data;
    }

    private static readonly Conv2dShape[] Shapes =
    [
        new(1, 16, 9, 11, 24, 1, 1),
        new(1, 3, 17, 19, 13, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new(2, 5, 12, 10, 7, 3, 3, StrideH: 2, StrideW: 2, PadTop: 1, PadLeft: 1, PadBottom: 0, PadRight: 1),
        new(1, 8, 9, 9, 6, 3, 3, DilationH: 2, DilationW: 2, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2),
        new(1, 12, 7, 13, 9, 2, 5, PadTop: 1, PadLeft: 2, PadBottom: 0, PadRight: 2, Group: 3),
        new(1, 64, 20, 20, 70, 1, 1),
    ];

    [Theory]
    [MemberData(nameof(RunnableIsas))]
    public void MatchesTheReferenceQConv(Int8Isa isa)
    {
        var random = CpuKernelHarness.NewRandom(output, $"int8 {isa}");
        using var pool = new WorkerPool(2);
        int cases = 0;
        foreach (var shape in Shapes)
        foreach (var (activation, int8Out, residualKind) in new[]
                 {
                     (new Activation(ActivationKind.Relu), true, 0), (Activation.None, false, 1),
                     (new Activation(ActivationKind.HardSwish), true, 2), (new Activation(ActivationKind.Sigmoid), false, 2),
                 })
        {
            Check(isa, shape, activation, int8Out, residualKind, random, cases % 2 == 0 ? pool : null);
            cases++;
        }
    }

    private void Check(Int8Isa isa, Conv2dShape s, Activation activation, bool int8Out, int residualKind, Random random, WorkerPool? pool)
    {
        int outLength = s.Batch * s.M * s.OutH * s.OutW;
        var x = RandomInt8(random, s.Batch * s.C * s.H * s.W, 127);
        var w = RandomInt8(random, s.M * s.KPerGroup, 127);
        var wScale = Enumerable.Range(0, s.M).Select(_ => (float)(0.001 + random.NextDouble() * 0.01)).ToArray();
        var bias = CpuKernelHarness.Floats(random, s.M, 0.5f);
        float xScale = 0.02f, yScale = 0.05f, residualScale = 0.03f;
        var residualFloat = residualKind == 1 ? CpuKernelHarness.Floats(random, outLength) : null;
        var residualInt8 = residualKind == 2 ? RandomInt8(random, outLength, 127) : null;

        IInt8ConvKernel kernel = s.IsDepthwise ? new Int8DepthwiseKernel(s, w, wScale, xScale) : new Int8ConvKernel(s, w, wScale, xScale, isa);
        var yFloat = new float[int8Out ? 0 : outLength];
        var yInt8 = new sbyte[int8Out ? outLength : 0];
        var floatIsa = isa == Int8Isa.Portable ? KernelIsa.Portable : KernelIsas.Best;
        kernel.Run(x, bias, residualFloat ?? [], residualInt8 ?? [], residualScale, activation, false, 1f, 0f, yFloat, yInt8, yScale, floatIsa, pool);

        // The reference multiplies the weights this family multiplies (7-bit on AVX2).
        var (we, se) = s.IsDepthwise ? (w, wScale) : Int8PackedWeights.ForIsa(w, wScale, s.KPerGroup, isa);
        var node = new Node("q", QuantizedOps.QConv, FusedOps.Domain);
        node.SetAttribute(NodeAttribute.Of("strides", new long[] { s.StrideH, s.StrideW }));
        node.SetAttribute(NodeAttribute.Of("pads", new long[] { s.PadTop, s.PadLeft, s.PadBottom, s.PadRight }));
        node.SetAttribute(NodeAttribute.Of("dilations", new long[] { s.DilationH, s.DilationW }));
        node.SetAttribute(NodeAttribute.Of("group", (long)s.Group));
        activation.WriteTo(node);
        int[] outShape = [s.Batch, s.M, s.OutH, s.OutW];
        var expected = QuantizedKernels.QConv(node,
        [
            new Tensor(DataType.Int8, [s.Batch, s.C, s.H, s.W], x), new Tensor(DataType.Int8, [s.M, s.CPerGroup, s.KH, s.KW], we),
            Tensor.FromFloats(bias, s.M),
            residualFloat is not null ? Tensor.FromFloats(residualFloat, outShape) : residualInt8 is not null ? new Tensor(DataType.Int8, outShape, residualInt8) : null,
            Tensor.Scalar(xScale), Tensor.FromFloats(se, s.M), int8Out ? Tensor.Scalar(yScale) : null, residualInt8 is not null ? Tensor.Scalar(residualScale) : null,
        ])[0];
        string label = $"{isa} {s} {activation} {(int8Out ? "int8" : "float")} out, residual {residualKind}";
        if (int8Out)
        {
            var want = (sbyte[])expected.Data;
            int worst = 0, differing = 0;
            for (int i = 0; i < want.Length; i++)
            {
                int d = Math.Abs(want[i] - yInt8[i]);
                worst = Math.Max(worst, d);
                if (d != 0) differing++;
            }
            output.WriteLine($"{label}: {differing} of {want.Length} differ, by at most {worst}");
            Assert.True(isa == Int8Isa.Portable ? worst == 0 : worst <= 1, $"{label}: int8 outputs differ by {worst}");
        }
        else
        {
            CpuKernelHarness.AssertClose(output, label, expected.Floats, yFloat, isa == Int8Isa.Portable ? 1e-7 : 1e-5);
        }
    }

    private static readonly Conv2dShape[] DepthwiseShapes =
    [
        new(1, 6, 9, 70, 6, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Group: 6),
        new(2, 5, 11, 37, 5, 3, 3, StrideH: 2, StrideW: 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Group: 5),
        new(1, 4, 12, 45, 4, 5, 5, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2, Group: 4),
        new(1, 3, 13, 40, 3, 3, 3, DilationH: 2, DilationW: 3, PadTop: 2, PadLeft: 3, PadBottom: 2, PadRight: 3, Group: 3),
    ];

    /// <summary>The depthwise kernel multiplies exact 8-bit weights on every CPU; its vector rows must match the reference bit for bit too.</summary>
    [Fact]
    public void DepthwiseMatchesTheReferenceQConv()
    {
        var random = CpuKernelHarness.NewRandom(output, "int8 depthwise");
        using var pool = new WorkerPool(2);
        foreach (var shape in DepthwiseShapes)
        {
            Check(Int8Isa.Portable, shape, new Activation(ActivationKind.Relu), true, 0, random, pool);
            Check(Int8Isa.Portable, shape, Activation.None, false, 1, random, null);
            Check(Int8Isa.Portable, shape, new Activation(ActivationKind.HardSwish), true, 2, random, pool);
        }
    }

    [Fact]
    public void Avx2WeightsAreSevenBitSoVpmaddubswCannotSaturate()
    {
        // Two u8 x s8 products at the extremes: 2 * 255 * 127 overflows s16; 2 * 255 * 63 does not.
        Assert.True(2 * 255 * 127 > short.MaxValue);
        Assert.True(2 * 255 * Int8Isas.WeightLimit(Int8Isa.Avx2) <= short.MaxValue);
        var (w, s) = Int8PackedWeights.ForIsa(new sbyte[] { 127, -127, 3, -3, 1 }, new float[] { 0.5f }, 5, Int8Isa.Avx2);
        Assert.Equal(new sbyte[] { 63, -63, 2, -2, 0 }, w);
        Assert.Equal(1f, s[0]);
    }

    [Fact]
    public void FamiliesThisCpuLacksAreRefusedNotMisrun()
    {
        var s = new Conv2dShape(1, 4, 4, 4, 4, 1, 1);
        foreach (var isa in Enum.GetValues<Int8Isa>().Where(i => !Int8Isas.IsAccelerated(i)))
        {
            output.WriteLine($"{isa}: not available here (compiled, not run)");
            Assert.Throws<PlatformNotSupportedException>(() => new Int8ConvKernel(s, new sbyte[16], new float[4], 1f, isa));
        }
    }

    private static sbyte[] RandomInt8(Random random, int length, int max)
    {
        var a = new sbyte[length];
        for (int i = 0; i < length; i++) a[i] = (sbyte)random.Next(-max, max + 1);
        return a;
    }
}
