using System.Runtime.CompilerServices;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>Everything one GEMM call needs, on the caller's stack; workers reach it by pointer.</summary>
internal unsafe struct GemmArgs
{
    public float* A;
    public int M, K, PaddedM, BlockK, KBlocks;
    public BSource B;
    public float* C;
    public nint Ldc;
    public int N;
    public Epilogue Epilogue;
    public KernelIsa Isa;
    public int MC;
    public bool DirectB;
    public float* Workspace;
    public nint WorkspacePerSlot;
    // The task grid: NTasks column blocks of NCols (the last shorter) times MTasks row chunks of MRows.
    public int NTasks, NCols, MTasks, MRows;
    public int Next;

    public readonly float* Panel(int kb, int m0) => A + (long)kb * BlockK * PaddedM + (long)m0 * Math.Min(BlockK, K - kb * BlockK);
}

/// <summary>
/// The blocked GEMM loop nest around one micro-kernel (Goto's scheme): for each K block the
/// task's B columns are packed once, then for each MC block of A rows every NR sliver of B
/// (kept in L1) meets every MR panel of A (streamed from L2). Tasks are column blocks (or row
/// chunks when N is small) handed out through an atomic counter, so a slow thread never
/// stalls the others; each pool slot owns one packing buffer.
/// </summary>
internal static unsafe class GemmDriver<TKernel> where TKernel : struct, IMicroKernel
{
    public static void Body(nint state, int slot)
    {
        var args = (GemmArgs*)state;
        int total = args->NTasks * args->MTasks;
        float* buffer = args->Workspace + slot * args->WorkspacePerSlot;
        int t;
        while ((t = Interlocked.Increment(ref args->Next) - 1) < total)
        {
            int nt = t / args->MTasks, mt = t - nt * args->MTasks;
            int n0 = nt * args->NCols, nc = Math.Min(args->NCols, args->N - n0);
            int m0 = mt * args->MRows, m1 = Math.Min(args->PaddedM, m0 + args->MRows);
            if (nc > 0 && m0 < m1) Task(args, buffer, m0, m1, n0, nc);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Task(GemmArgs* g, float* packed, int m0, int m1, int n0, int nc)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        float* tile = stackalloc float[mr * nr];
        nint ldc = g->Ldc;
        int panels = (nc + nr - 1) / nr;
        for (int kb = 0; kb < g->KBlocks; kb++)
        {
            int k0 = kb * g->BlockK, kc = Math.Min(g->BlockK, g->K - k0);
            bool accumulate = kb > 0, last = kb == g->KBlocks - 1;
            if (g->B.Panels) { }
            else if (!g->DirectB) BPacker.Pack(g->B, k0, kc, n0, nc, nr, packed);
            else if (nc % nr != 0) BPacker.Pack(g->B, k0, kc, n0 + (panels - 1) * nr, nc - (panels - 1) * nr, nr, packed);
            for (int mc0 = m0; mc0 < m1; mc0 += g->MC)
            {
                int mc1 = Math.Min(m1, mc0 + g->MC);
                for (int jp = 0; jp < panels; jp++)
                {
                    int j0 = jp * nr, cols = Math.Min(nr, nc - j0);
                    float* b;
                    nint ldb;
                    if (g->B.Panels) { b = g->B.Data + (nint)k0 * g->B.PaddedN + (nint)(n0 + j0) * kc; ldb = nr; }
                    else if (!g->DirectB) { b = packed + (nint)jp * kc * nr; ldb = nr; }
                    else if (cols == nr) { b = g->B.Data + k0 * g->B.RowStride + n0 + j0; ldb = g->B.RowStride; }
                    else { b = packed; ldb = nr; }
                    for (int i0 = mc0; i0 < mc1; i0 += mr)
                    {
                        int rows = Math.Min(mr, g->M - i0);
                        if (rows <= 0) break;
                        float* a = g->Panel(kb, i0);
                        float* c = g->C + i0 * ldc + n0 + j0;
                        if (rows == mr && cols == nr)
                        {
                            TKernel.Run(kc, a, b, ldb, c, ldc, accumulate);
                            continue;
                        }
                        TKernel.Run(kc, a, b, ldb, tile, nr, false);
                        for (int r = 0; r < rows; r++)
                        for (int q = 0; q < cols; q++)
                            c[r * ldc + q] = accumulate ? c[r * ldc + q] + tile[r * nr + q] : tile[r * nr + q];
                    }
                }
                // The block is final and still in cache: finish it now rather than in a second sweep.
                if (last) g->Epilogue.Apply(g->C, ldc, mc0, Math.Min(mc1, g->M) - mc0, n0, nc, g->Isa);
            }
        }
    }
}
