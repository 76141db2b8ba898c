using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Runtime;
using static EdgeAgent.Engine.Tests.Cpu.CpuKernelHarness;

namespace EdgeAgent.Engine.Tests.Cpu;

/// <summary>The direct 2x2 stride-2 transposed convolution against the reference FusedConv.</summary>
public sealed class ConvTranspose2x2KernelTests(ITestOutputHelper output)
{
    /// <summary>
    /// (N, C, H, W, M): widths that take the 16-column blocks, an 8-column block and the
    /// scalar tail; a one-channel head; batch 2; more rows than one task holds.
    /// </summary>
    private static readonly int[][] Cases =
    [
        [1, 8, 10, 37, 6],
        [1, 24, 9, 16, 1],
        [2, 5, 5, 7, 3],
        [1, 3, 13, 25, 4],
        [1, 1, 1, 1, 1],
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void MatchesReference(int threads)
    {
        var rnd = NewRandom(output, $"convtranspose 2x2 x{threads}");
        using var pool = new WorkerPool(threads);
        foreach (var c in Cases)
        foreach (bool withResidual in new[] { false, true })
        {
            var shape = new ConvTranspose2dShape(c[0], c[1], c[2], c[3], c[4], 2, 2, 2 * c[2], 2 * c[3], StrideH: 2, StrideW: 2);
            Assert.True(ConvTranspose2x2Kernel.Supports(shape));
            var act = Activations[rnd.Next(Activations.Length)];
            bool first = rnd.Next(2) == 0;
            var (scale, shift) = RandomPost(rnd);
            var x = Floats(rnd, (long)shape.Batch * shape.C * shape.H * shape.W);
            var w = Floats(rnd, (long)shape.C * shape.M * 4, 0.5f);
            var bias = rnd.Next(4) == 0 ? null : Floats(rnd, shape.M);
            long outLength = (long)shape.Batch * shape.M * shape.OutH * shape.OutW;
            var residual = withResidual ? Floats(rnd, outLength) : null;
            // The reference's FusedConv reads the transposed shape's fields through a Conv2dShape of the same numbers.
            var asConv = new Conv2dShape(shape.Batch, shape.C, shape.H, shape.W, shape.M, 2, 2, StrideH: 2, StrideW: 2);
            var expected = ReferenceConv(asConv, x, w, bias, residual, act, first, transposed: true,
                outputShape: [shape.Batch, shape.M, shape.OutH, shape.OutW], postScale: scale, postShift: shift);
            var y = new float[outLength];
            Array.Fill(y, float.NaN);
            new ConvTranspose2x2Kernel(shape, w).Run(x, y, bias, residual, act, first, pool, scale, shift);
            AssertClose(output, $"{shape} {act} residual={withResidual} first={first} post=({scale}, {shift})", expected, y);
        }
    }

    [Fact]
    public void OnlyPlainUpsamplingIsSupported()
    {
        Assert.False(ConvTranspose2x2Kernel.Supports(new ConvTranspose2dShape(1, 4, 5, 5, 4, 3, 3, 11, 11, StrideH: 2, StrideW: 2)));
        Assert.False(ConvTranspose2x2Kernel.Supports(new ConvTranspose2dShape(1, 4, 5, 5, 4, 2, 2, 8, 8, StrideH: 2, StrideW: 2, PadTop: 1, PadLeft: 1)));
        Assert.False(ConvTranspose2x2Kernel.Supports(new ConvTranspose2dShape(1, 4, 5, 5, 4, 2, 2, 10, 10, StrideH: 2, StrideW: 2, Group: 2)));
    }
}
