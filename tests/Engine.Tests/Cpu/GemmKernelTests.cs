using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;
using static EdgeAgent.Engine.Tests.Cpu.CpuKernelHarness;

namespace EdgeAgent.Engine.Tests.Cpu;

/// <summary>The packed GEMM against the reference Gemm: every kernel family, odd sizes, tiny blocks, both B forms, threads.</summary>
public sealed class GemmKernelTests(ITestOutputHelper output)
{
    public static TheoryData<KernelIsa, int> IsaAndThreads()
    {
        var data = new TheoryData<KernelIsa, int>();
        foreach (var isa in RunnableIsas) { data.Add(isa, 1); data.Add(isa, 2); }
        return data;
    }

    /// <summary>Default blocking plus blockings small enough that every loop of the driver runs more than once.</summary>
    private static IEnumerable<GemmTactic> Tactics(KernelIsa isa, int m, int n, int k)
    {
        var (mr, nr) = GemmTactic.MicroTile(isa);
        yield return GemmTactic.Default(isa, m, n, k);
        yield return GemmTactic.Create(isa, kc: 7, mc: 2 * mr, nc: 2 * nr);
        yield return GemmTactic.Create(isa, kc: 16, mc: mr, nc: nr, packB: false);
    }

    [Theory]
    [MemberData(nameof(IsaAndThreads))]
    public void MatchesReferenceOnOddShapes(KernelIsa isa, int threads)
    {
        var rnd = NewRandom(output, $"gemm {isa} x{threads}");
        using var pool = new WorkerPool(threads);
        int[][] shapes = [[1, 1, 1], [5, 17, 3], [13, 40, 29], [7, 33, 70], [64, 150, 37], [37, 3, 300]];
        foreach (var shape in shapes)
        {
            int m = shape[0], n = shape[1], k = shape[2];
            foreach (var tactic in Tactics(isa, m, n, k))
            {
                var act = Activations[rnd.Next(Activations.Length)];
                bool withResidual = rnd.Next(2) == 0, first = rnd.Next(2) == 0;
                var a = Floats(rnd, m * k);
                var b = Floats(rnd, k * n);
                var bias = rnd.Next(4) == 0 ? null : Floats(rnd, m);
                var residual = withResidual ? Floats(rnd, m * n) : null;
                var (scale, shift) = RandomPost(rnd);
                var expected = ReferenceGemm(a, b, bias, m, k, n);
                ReferenceEpilogue(expected, residual, act, first, scale, shift);
                var packed = PackedGemmWeights.FromRowMajor(a, m, k, tactic);
                var c = new float[m * n];
                var ws = new float[Gemm.WorkspaceElements(tactic, k, n, threads)];
                Gemm.Run(packed, b, n, 1, n, c, n, bias, residual, act, first, ws, pool, scale, shift);
                // O(1) data: errors are measured against at least 0.1 RMS (the 1x1x1 case's one value can be cancelled by the shift).
                AssertClose(output, $"{m}x{n}x{k} {tactic.Name} {act} residual={withResidual} first={first} post=({scale}, {shift})", expected, c, floor: 0.1);
            }
        }
    }

    [Theory]
    [MemberData(nameof(IsaAndThreads))]
    public void FullyConnectedReadsTransposedActivations(KernelIsa isa, int threads)
    {
        // Y[batch x out] = X W^T + b computed as Y^T = W X^T: B is X read with swapped strides.
        var rnd = NewRandom(output, $"fc {isa} x{threads}");
        using var pool = new WorkerPool(threads);
        int m = 45, k = 123;
        var w = Floats(rnd, m * k);
        var x = Floats(rnd, k);
        var bias = Floats(rnd, m);
        var expected = ReferenceGemm(w, x, bias, m, k, 1);
        ReferenceEpilogue(expected, null, new Activation(ActivationKind.Relu), false);
        var tactic = GemmTactic.Default(isa, m, 1, k);
        var packed = PackedGemmWeights.FromRowMajor(w, m, k, tactic);
        var y = new float[m];
        var ws = new float[Gemm.WorkspaceElements(tactic, k, 1, threads)];
        Gemm.Run(packed, x, 1, k, 1, y, 1, bias, default, new Activation(ActivationKind.Relu), false, ws, pool);
        AssertClose(output, "fc", expected, y);
    }

    [Theory]
    [MemberData(nameof(IsaAndThreads))]
    public void RowsGemmMatchesReference(KernelIsa isa, int threads)
    {
        // Y [rows x N] = X W + column bias with W packed once as B panels and X packed per call:
        // rows and N off the tile, K over several blocks, the bias in the epilogue before the activation.
        var rnd = NewRandom(output, $"rows gemm {isa} x{threads}");
        using var pool = new WorkerPool(threads);
        int[][] shapes = [[2, 1, 1], [197, 70, 41], [13, 40, 29], [45, 192, 300], [9, 33, 8]];
        foreach (var shape in shapes)
        {
            int rows = shape[0], n = shape[1], k = shape[2];
            foreach (var tactic in Tactics(isa, rows, n, k))
            {
                var act = Activations[rnd.Next(Activations.Length)];
                var x = Floats(rnd, rows * k);
                var w = Floats(rnd, k * n);
                var bias = rnd.Next(4) == 0 ? null : Floats(rnd, n);
                var (scale, shift) = RandomPost(rnd);
                var expected = ReferenceGemm(x, w, null, rows, k, n);
                if (bias is not null)
                    for (int i = 0; i < expected.Length; i++) expected[i] += bias[i % n];
                ReferenceEpilogue(expected, null, act, false, scale, shift);
                var panels = PackedGemmPanels.FromRowMajor(w, k, n, tactic);
                var y = new float[rows * n];
                var ws = new float[Gemm.RowsWorkspaceElements(rows, k, tactic)];
                Gemm.RunRows(x, rows, panels, y, bias, act, ws, pool, scale, shift);
                AssertClose(output, $"rows {rows}x{n}x{k} {tactic.Name} {act} bias={bias is not null} post=({scale}, {shift})", expected, y, floor: 0.1);
            }
        }
    }

    [Fact]
    public void DetectsAWrongResult()
    {
        // The comparison itself must be able to fail: a single flipped weight is caught.
        var rnd = NewRandom(output, "negative");
        int m = 8, n = 20, k = 9;
        var a = Floats(rnd, m * k);
        var b = Floats(rnd, k * n);
        var expected = ReferenceGemm(a, b, null, m, k, n);
        a[5] = -a[5] + 1f;
        var tactic = GemmTactic.Default(KernelIsa.Portable, m, n, k);
        var c = new float[m * n];
        var ws = new float[Gemm.WorkspaceElements(tactic, k, n, 1)];
        Gemm.Run(PackedGemmWeights.FromRowMajor(a, m, k, tactic), b, n, 1, n, c, n, default, default, Activation.None, false, ws, null);
        Assert.True(RelativeL2(expected, c) > 1e-3);
    }
}
