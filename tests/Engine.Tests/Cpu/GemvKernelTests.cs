using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;
using static EdgeAgent.Engine.Tests.Cpu.CpuKernelHarness;

namespace EdgeAgent.Engine.Tests.Cpu;

/// <summary>The matrix-vector kernel against the reference Gemm and epilogue: odd sizes, a few rows, threads.</summary>
public sealed class GemvKernelTests(ITestOutputHelper output)
{
    public static TheoryData<KernelIsa, int> IsaAndThreads()
    {
        var data = new TheoryData<KernelIsa, int>();
        foreach (var isa in RunnableIsas) { data.Add(isa, 1); data.Add(isa, 2); }
        return data;
    }

    private static float[] Run(float[] w, int n, int k, float[] x, int rows, float[]? bias, Activation act,
        float scale, float shift, KernelIsa isa, WorkerPool pool)
    {
        var y = new float[rows * n];
        Array.Fill(y, float.NaN);
        Gemv.Run(w, n, k, x, rows, y, bias, act, scale, shift, isa, pool);
        return y;
    }

    [Theory]
    [MemberData(nameof(IsaAndThreads))]
    public void MatchesReference(KernelIsa isa, int threads)
    {
        var rnd = NewRandom(output, $"gemv {isa} x{threads}");
        using var pool = new WorkerPool(threads);
        // (N, K, rows): tails in both dimensions, a thread split with a remainder, a head of 1000.
        int[][] shapes = [[1, 1, 1], [3, 5, 1], [7, 17, 2], [130, 33, 1], [257, 200, 3], [1000, 2048, 1], [64, 15, 4]];
        foreach (var shape in shapes)
        {
            int n = shape[0], k = shape[1], rows = shape[2];
            var act = Activations[rnd.Next(Activations.Length)];
            var (scale, shift) = RandomPost(rnd);
            var w = Floats(rnd, (long)n * k, 1f / MathF.Sqrt(k));
            var x = Floats(rnd, (long)rows * k);
            var bias = rnd.Next(4) == 0 ? null : Floats(rnd, n);
            // Reference: Y^T = W X^T with a per-row bias, then transposed back to [rows, N].
            var xt = new float[k * rows];
            for (int r = 0; r < rows; r++)
            for (int i = 0; i < k; i++) xt[i * rows + r] = x[r * k + i];
            var yt = ReferenceGemm(w, xt, bias, n, k, rows);
            ReferenceEpilogue(yt, null, act, false, scale, shift);
            var expected = new float[rows * n];
            for (int j = 0; j < n; j++)
            for (int r = 0; r < rows; r++) expected[r * n + j] = yt[j * rows + r];
            var y = Run(w, n, k, x, rows, bias, act, scale, shift, isa, pool);
            AssertClose(output, $"{n}x{k} rows={rows} {act} post=({scale}, {shift}) bias={bias is not null}", expected, y);
        }
    }

    [Fact]
    public void DetectsAWrongWeight()
    {
        var rnd = NewRandom(output, "gemv negative");
        using var pool = new WorkerPool(1);
        int n = 9, k = 40;
        var w = Floats(rnd, n * k);
        var x = Floats(rnd, k);
        var expected = Run(w, n, k, x, 1, null, Activation.None, 1f, 0f, KernelIsas.Best, pool);
        w[5 * k + 3] += 1f;
        var y = Run(w, n, k, x, 1, null, Activation.None, 1f, 0f, KernelIsas.Best, pool);
        Assert.True(RelativeL2(expected, y) > 1e-3);
    }
}
