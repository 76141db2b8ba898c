using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;
using static EdgeAgent.Engine.Tests.Cpu.CpuKernelHarness;

namespace EdgeAgent.Engine.Tests.Cpu;

/// <summary>Conv2dKernel (GEMM and depthwise algorithms) against the reference FusedConv.</summary>
public sealed class Conv2dKernelTests(ITestOutputHelper output)
{
    public static TheoryData<KernelIsa, int> IsaAndThreads()
    {
        var data = new TheoryData<KernelIsa, int>();
        foreach (var isa in RunnableIsas) { data.Add(isa, 1); data.Add(isa, 2); }
        return data;
    }

    private static readonly Conv2dShape[] GemmShapes =
    [
        new(1, 3, 9, 11, 5, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new(1, 16, 12, 12, 20, 1, 1),                                           // pointwise: B is the input
        new(2, 7, 10, 9, 13, 1, 1),                                             // pointwise, batch 2
        new(1, 6, 13, 14, 9, 3, 2, StrideH: 2, StrideW: 3, PadTop: 1, PadLeft: 0, PadBottom: 2, PadRight: 1),
        new(1, 4, 15, 16, 7, 3, 3, DilationH: 2, DilationW: 3, PadTop: 2, PadLeft: 3, PadBottom: 2, PadRight: 3),
        new(1, 8, 11, 10, 12, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Group: 4),
        new(1, 3, 23, 21, 8, 7, 7, StrideH: 2, StrideW: 2, PadTop: 3, PadLeft: 3, PadBottom: 3, PadRight: 3),
        new(1, 5, 8, 8, 6, 1, 1, StrideH: 2, StrideW: 2),                       // strided 1x1 goes through im2col
        new(1, 40, 7, 7, 33, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1), // small N: rows split over threads
        new(1, 2, 1, 30, 4, 1, 5, PadLeft: 2, PadRight: 2),                     // a 1-D convolution as H = 1
    ];

    private static readonly Conv2dShape[] DepthwiseShapes =
    [
        new(1, 5, 17, 19, 5, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Group: 5),
        new(1, 4, 20, 23, 4, 3, 3, StrideH: 2, StrideW: 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Group: 4),
        new(1, 3, 18, 21, 3, 5, 5, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2, Group: 3),
        new(2, 3, 19, 22, 3, 5, 5, StrideH: 2, StrideW: 2, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2, Group: 3),
        new(1, 3, 16, 40, 3, 3, 3, PadTop: 0, PadLeft: 2, PadBottom: 1, PadRight: 0, DilationH: 1, DilationW: 2, Group: 3),
        new(1, 2, 14, 30, 2, 4, 2, StrideH: 1, StrideW: 3, PadTop: 1, PadLeft: 1, PadBottom: 2, PadRight: 1, Group: 2),
        new(1, 6, 9, 9, 6, 3, 3, Group: 6),                                     // no padding
        // MobileNet's small planes: rows narrower than a vector, several channels per task.
        new(1, 37, 7, 7, 37, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Group: 37),
        new(2, 21, 14, 14, 21, 3, 3, StrideH: 2, StrideW: 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Group: 21),
        new(1, 19, 6, 5, 19, 5, 5, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2, Group: 19),
        new(1, 18, 14, 14, 18, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Group: 18),
    ];

    private void Check(Conv2dShape s, CpuConvTactic tactic, WorkerPool pool, Random rnd, Activation act, bool withResidual, bool first,
        (float Scale, float Shift)? post = null)
    {
        var (scale, shift) = post ?? RandomPost(rnd);
        var x = Floats(rnd, (long)s.Batch * s.C * s.H * s.W);
        var w = Floats(rnd, (long)s.M * s.KPerGroup, 1f / MathF.Sqrt(s.KPerGroup));
        var bias = rnd.Next(5) == 0 ? null : Floats(rnd, s.M);
        long outLength = (long)s.Batch * s.M * s.OutH * s.OutW;
        var residual = withResidual ? Floats(rnd, outLength) : null;
        var expected = ReferenceConv(s, x, w, bias, residual, act, first, postScale: scale, postShift: shift);
        var kernel = new Conv2dKernel(s, w, tactic);
        // NaN in the scratch and the output: every value read must have been written first.
        var y = new float[outLength];
        Array.Fill(y, float.NaN);
        var ws = new float[kernel.WorkspaceElements(pool.Threads)];
        Array.Fill(ws, float.NaN);
        kernel.Run(x, y, bias, residual, act, first, ws, pool, scale, shift);
        AssertClose(output, $"{s} {tactic.Name} {act} residual={withResidual} first={first} post=({scale}, {shift})", expected, y);
    }

    [Theory]
    [MemberData(nameof(IsaAndThreads))]
    public void GemmConvolutionMatchesReference(KernelIsa isa, int threads)
    {
        var rnd = NewRandom(output, $"conv {isa} x{threads}");
        using var pool = new WorkerPool(threads);
        var (mr, nr) = GemmTactic.MicroTile(isa);
        foreach (var s in GemmShapes)
        {
            var act = Activations[rnd.Next(Activations.Length)];
            Check(s, CpuConvTactic.Default(s, isa), pool, rnd, act, rnd.Next(2) == 0, rnd.Next(2) == 0);
            Check(s, CpuConvTactic.ForGemm(GemmTactic.Create(isa, kc: 5, mc: mr, nc: nr, packB: rnd.Next(2) == 0)), pool, rnd, act, true, rnd.Next(2) == 0);
        }
    }

    [Theory]
    [MemberData(nameof(IsaAndThreads))]
    public void DepthwiseMatchesReference(KernelIsa isa, int threads)
    {
        var rnd = NewRandom(output, $"depthwise {isa} x{threads}");
        using var pool = new WorkerPool(threads);
        foreach (var s in DepthwiseShapes)
        foreach (var algorithm in new[] { ConvAlgorithm.DepthwiseDirect, ConvAlgorithm.DepthwiseTaps })
        {
            var act = Activations[rnd.Next(Activations.Length)];
            Check(s, CpuConvTactic.ForDepthwise(algorithm, isa), pool, rnd, act, rnd.Next(2) == 0, rnd.Next(2) == 0);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void EveryActivationAndResidualOrder(int threads)
    {
        var rnd = NewRandom(output, $"epilogues x{threads}");
        using var pool = new WorkerPool(threads);
        var conv = new Conv2dShape(1, 6, 10, 13, 11, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1);
        var dw = new Conv2dShape(1, 6, 10, 13, 6, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Group: 6);
        foreach (var act in Activations)
        foreach (var (residual, first) in new[] { (false, false), (true, false), (true, true) })
        foreach (var post in new[] { (1f, 0f), (-0.75f, 0.5f) })
        {
            Check(conv, CpuConvTactic.Default(conv), pool, rnd, act, residual, first, post);
            Check(dw, CpuConvTactic.Default(dw), pool, rnd, act, residual, first, post);
            Check(conv, CpuConvTactic.Default(conv, KernelIsa.Portable), pool, rnd, act, residual, first, post);
        }
    }

    [Fact]
    public void EveryEnumeratedTacticIsCorrect()
    {
        var rnd = NewRandom(output, "tactics");
        using var pool = new WorkerPool(2);
        foreach (var s in new[] { GemmShapes[1], GemmShapes[0], DepthwiseShapes[1] })
        {
            var tactics = CpuConvTactic.Enumerate(s);
            Assert.NotEmpty(tactics);
            Assert.Equal(CpuConvTactic.Default(s), tactics[0]);
            foreach (var t in tactics) Check(s, t, pool, rnd, new Activation(ActivationKind.Silu), true, false);
        }
    }

    [Fact]
    public void ActivationsStayAccurateOverWideRanges()
    {
        // Large pre-activations reach the exp clamps and the erf/tanh branch points.
        var rnd = NewRandom(output, "wide");
        using var pool = new WorkerPool(1);
        var s = new Conv2dShape(1, 1, 1, 203, 1, 1, 1);
        foreach (var act in Activations)
        {
            // Only the activation is under test here.
            var x = Floats(rnd, s.W, 30f);
            var w = new[] { 1f };
            var expected = ReferenceConv(s, x, w, null, null, act, false);
            var kernel = new Conv2dKernel(s, w, CpuConvTactic.Default(s));
            var y = new float[s.W];
            kernel.Run(x, y, default, default, act, false, new float[kernel.WorkspaceElements(1)], pool);
            AssertClose(output, $"wide {act}", expected, y, 1e-6);
            for (int i = 0; i < y.Length; i++)
                Assert.True(Math.Abs(expected[i] - y[i]) <= 2e-6 * Math.Max(1, Math.Abs(expected[i])), $"{act}({x[i]}) = {y[i]}, reference {expected[i]}");
        }
    }
}
