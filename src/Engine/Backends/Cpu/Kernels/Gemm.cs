using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// C[M x N] = A * B followed by a per-row epilogue, with A pre-packed weights. The caller
/// provides a workspace of <see cref="WorkspaceElements"/> floats for the packed B panels
/// (one buffer per pool thread); nothing is allocated per call.
/// </summary>
public static unsafe class Gemm
{
    /// <summary>Floats of workspace a call with this tactic needs for N columns on <paramref name="threads"/> threads.</summary>
    public static long WorkspaceElements(GemmTactic tactic, int k, int n, int threads)
    {
        int kBlocks = (k + tactic.KC - 1) / tactic.KC;
        long blockK = (k + kBlocks - 1) / kBlocks;
        long cols = Math.Min(tactic.NC, (n + tactic.NR - 1) / tactic.NR * tactic.NR);
        return Math.Max(1, threads) * blockK * cols;
    }

    /// <summary>C = A * B with B a plain matrix: element (k, n) at <c>b[k * bRowStride + n * bColStride]</c>; C row-major with leading dimension ldc.</summary>
    public static void Run(PackedGemmWeights a, float* b, nint bRowStride, nint bColStride, int n, float* c, nint ldc,
        in Epilogue epilogue, float* workspace, WorkerPool? pool) =>
        Run(a, BSource.Plain(b, bRowStride, bColStride), n, c, ldc, epilogue, workspace, pool);

    /// <summary>
    /// The span form: lengths are checked, an empty bias or residual means none (the residual
    /// has C's layout). Pins for the duration of the call; allocates nothing.
    /// </summary>
    public static void Run(PackedGemmWeights a, ReadOnlySpan<float> b, nint bRowStride, nint bColStride, int n, Span<float> c, nint ldc,
        ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, Activation activation, bool activationFirst, Span<float> workspace, WorkerPool? pool,
        float postScale = 1f, float postShift = 0f)
    {
        if (n <= 0) return;
        long bLast = (a.K - 1) * (long)bRowStride + (n - 1) * (long)bColStride, cLast = (a.M - 1) * (long)ldc + n - 1;
        if (bLast >= b.Length || cLast >= c.Length || (!residual.IsEmpty && cLast >= residual.Length))
            throw new ArgumentException("a GEMM operand is shorter than its strides and sizes need");
        if (!bias.IsEmpty && bias.Length < a.M) throw new ArgumentException($"bias needs {a.M} values, got {bias.Length}");
        if (workspace.Length < WorkspaceElements(a.Tactic, a.K, n, pool?.Threads ?? 1)) throw new ArgumentException("workspace is too small");
        fixed (float* pb = b, pc = c, pbias = bias, pr = residual, pw = workspace)
            Run(a, BSource.Plain(pb, bRowStride, bColStride), n, pc, ldc, new Epilogue(pbias, activation, pr, ldc, activationFirst, postScale, postShift), pw, pool);
    }

    /// <summary>Floats of workspace <see cref="RunRows(ReadOnlySpan{float}, int, PackedGemmPanels, Span{float}, ReadOnlySpan{float}, Activation, Span{float}, WorkerPool?, float, float)"/> needs: A packed into panels.</summary>
    public static long RowsWorkspaceElements(int m, int k, GemmTactic tactic) => PackedGemmWeights.PackedFloats(m, k, tactic);

    /// <summary>
    /// The span form of rows-as-rows GEMM: C [M x N] = A [M x K] (row-major activations) * B
    /// (constant panels) + a per-column bias (empty for none), then the activation and affine.
    /// </summary>
    public static void RunRows(ReadOnlySpan<float> a, int m, PackedGemmPanels b, Span<float> c, ReadOnlySpan<float> columnBias, Activation activation,
        Span<float> workspace, WorkerPool? pool, float postScale = 1f, float postShift = 0f)
    {
        if (m <= 0) return;
        if (a.Length < (long)m * b.K || c.Length < (long)m * b.N) throw new ArgumentException($"a rows GEMM needs A of {m} x {b.K} and C of {m} x {b.N}");
        if (!columnBias.IsEmpty && columnBias.Length < b.N) throw new ArgumentException($"bias needs {b.N} values, got {columnBias.Length}");
        if (workspace.Length < RowsWorkspaceElements(m, b.K, b.Tactic)) throw new ArgumentException("workspace is too small");
        fixed (float* pa = a, pc = c, pbias = columnBias, pw = workspace)
            RunRows(pa, m, b, pc, pbias, activation, postScale, postShift, pw, pool);
    }

    /// <summary>
    /// C [M x N] = A [M x K] * B for activations A (row-major, packed into <paramref name="workspace"/>
    /// on each call) and a constant B packed at build time: the shape of a transformer's token
    /// projections. The per-column bias rides in the epilogue as a residual of row stride 0,
    /// added before the activation.
    /// </summary>
    internal static void RunRows(float* a, int m, PackedGemmPanels b, float* c, float* columnBias, Activation activation, float postScale, float postShift,
        float* workspace, WorkerPool? pool)
    {
        PackedGemmWeights.PackInto(a, m, b.K, b.K, 1, b.Tactic, workspace);
        var epilogue = new Epilogue(null, activation, residual: columnBias, residualRowStride: 0, postScale: postScale, postShift: postShift);
        Run(workspace, m, b.K, b.Tactic, BSource.Packed(b), b.N, c, b.N, epilogue, null, pool);
    }

    internal static void Run(PackedGemmWeights a, in BSource b, int n, float* c, nint ldc, in Epilogue epilogue, float* workspace, WorkerPool? pool) =>
        Run(a.Data, a.M, a.K, a.Tactic, b, n, c, ldc, epilogue, workspace, pool);

    /// <summary>C = A * B with A already packed (<see cref="PackedGemmWeights.PackInto"/>) at <paramref name="packedA"/>.</summary>
    internal static void Run(float* packedA, int m, int k, GemmTactic t, in BSource b, int n, float* c, nint ldc, in Epilogue epilogue, float* workspace, WorkerPool? pool)
    {
        if (n <= 0) return;
        int kBlocks = (k + t.KC - 1) / t.KC, blockK = (k + kBlocks - 1) / kBlocks, paddedM = (m + t.MR - 1) / t.MR * t.MR;
        if (!KernelIsas.CanRun(t.Isa)) throw new PlatformNotSupportedException($"tactic {t.Name} needs {t.Isa}, which this CPU lacks");
        int threads = pool?.Threads ?? 1;
        int mr = t.MR, nr = t.NR;
        var args = new GemmArgs
        {
            A = packedA, M = m, K = k, PaddedM = paddedM, BlockK = blockK, KBlocks = kBlocks,
            B = b, C = c, Ldc = ldc, N = n, Epilogue = epilogue, Isa = t.Isa, MC = t.MC,
            DirectB = !t.PackB && b.IsDirect,
            Workspace = workspace,
            WorkspacePerSlot = (nint)blockK * Math.Min(t.NC, (n + nr - 1) / nr * nr),
        };
        Split(ref args, t, threads, mr, nr);
        delegate*<nint, int, void> body = t.Isa switch
        {
            KernelIsa.Avx2 => &GemmDriver<Avx2MicroKernel>.Body,
            KernelIsa.Avx512 => &GemmDriver<Avx512MicroKernel>.Body,
            KernelIsa.AdvSimd => &GemmDriver<AdvSimdMicroKernel>.Body,
            _ => &GemmDriver<PortableMicroKernel>.Body,
        };
        int slots = Math.Min(threads, args.NTasks * args.MTasks);
        if (pool is null || slots == 1) body((nint)(&args), 0);
        else pool.Run(slots, body, (nint)(&args));
    }

    /// <summary>
    /// Cuts the work into a task count that is a multiple of the threads (so no thread idles
    /// at the end): column blocks when N is wide, otherwise row chunks of A.
    /// </summary>
    private static void Split(ref GemmArgs g, GemmTactic t, int threads, int mr, int nr)
    {
        int n = g.N;
        int blocks = (n + t.NC - 1) / t.NC;
        int mPanels = g.PaddedM / mr;
        if (threads == 1 || blocks >= threads || mPanels < 2)
        {
            if (threads > 1 && blocks >= threads) blocks = (blocks + threads - 1) / threads * threads;
            int cols = (n + blocks - 1) / blocks;
            g.NCols = (cols + nr - 1) / nr * nr;
            g.NTasks = (n + g.NCols - 1) / g.NCols;
            g.MTasks = 1;
            g.MRows = g.PaddedM;
            return;
        }
        g.NCols = Math.Min(t.NC, (n + nr - 1) / nr * nr);
        g.NTasks = (n + g.NCols - 1) / g.NCols;
        int chunks = Math.Min(mPanels, (threads + g.NTasks - 1) / g.NTasks);
        g.MRows = (mPanels + chunks - 1) / chunks * mr;
        g.MTasks = (g.PaddedM + g.MRows - 1) / g.MRows;
    }
}
