namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// The left GEMM operand A [M x K] (weights), packed once at build time into the layout the
/// micro-kernel streams: K is cut into blocks of at most KC, and within block b the rows come
/// as MR-row panels, each kc steps of MR consecutive floats. Rows past M are zero, so edge
/// panels need no special case in the inner loop. The storage is a pinned, 64-byte aligned
/// array, so the packed matrix can be read through a pointer for as long as this object lives.
/// </summary>
public sealed unsafe class PackedGemmWeights
{
    private readonly AlignedFloats _storage;

    public int M { get; }
    public int K { get; }
    public GemmTactic Tactic { get; }
    public int MR { get; }
    /// <summary>M rounded up to a whole number of panels.</summary>
    public int PaddedM { get; }
    /// <summary>The depth of every K block but possibly the last (blocks are balanced, not KC then a sliver).</summary>
    public int BlockK { get; }
    public int KBlocks { get; }

    /// <summary>Packs A where element (m, k) is at <c>a[m * rowStride + k * colStride]</c>.</summary>
    public PackedGemmWeights(float* a, int m, int k, nint rowStride, nint colStride, GemmTactic tactic)
    {
        if (m < 1 || k < 1) throw new ArgumentException($"GEMM weights must be at least 1 x 1, got {m} x {k}");
        M = m;
        K = k;
        Tactic = tactic;
        MR = tactic.MR;
        PaddedM = (m + MR - 1) / MR * MR;
        KBlocks = (k + tactic.KC - 1) / tactic.KC;
        BlockK = (k + KBlocks - 1) / KBlocks;
        long length = PackedFloats(m, k, tactic);
        _storage = new AlignedFloats(length);
        PackInto(a, m, k, rowStride, colStride, tactic, Data);
    }

    /// <summary>Floats the packed form of an [M x K] operand takes (rows padded to whole panels).</summary>
    public static long PackedFloats(int m, int k, GemmTactic tactic) => (long)((m + tactic.MR - 1) / tactic.MR * tactic.MR) * k;

    /// <summary>
    /// Packs A (element (m, k) at <c>a[m * rowStride + k * colStride]</c>) into <paramref name="dst"/>
    /// (<see cref="PackedFloats"/> floats) in the layout the GEMM streams: for operands known only
    /// at run time, packed into a workspace on every run.
    /// </summary>
    public static void PackInto(float* a, int m, int k, nint rowStride, nint colStride, GemmTactic tactic, float* dst)
    {
        int mr = tactic.MR, paddedM = (m + mr - 1) / mr * mr;
        int kBlocks = (k + tactic.KC - 1) / tactic.KC, blockK = (k + kBlocks - 1) / kBlocks;
        for (int kb = 0; kb < kBlocks; kb++)
        {
            int k0 = kb * blockK, kc = Math.Min(blockK, k - k0);
            for (int m0 = 0; m0 < paddedM; m0 += mr)
            for (int p = 0; p < kc; p++)
            for (int i = 0; i < mr; i++)
                *dst++ = m0 + i < m ? a[(m0 + i) * rowStride + (k0 + p) * colStride] : 0f;
        }
    }

    /// <summary>Packs a row-major [M x K] span.</summary>
    public static PackedGemmWeights FromRowMajor(ReadOnlySpan<float> a, int m, int k, GemmTactic tactic)
    {
        if (a.Length < (long)m * k) throw new ArgumentException($"weights hold {a.Length} values, {m} x {k} needed");
        fixed (float* p = a) return new PackedGemmWeights(p, m, k, k, 1, tactic);
    }

    /// <summary>Start of the packed data; valid while this object is alive.</summary>
    public float* Data => _storage.Data;

    /// <summary>The panel holding rows [m0, m0 + MR) of K block <paramref name="kb"/>; m0 is a multiple of MR.</summary>
    public float* Panel(int kb, int m0) => Data + (long)kb * BlockK * PaddedM + (long)m0 * KDepth(kb);

    public int KStart(int kb) => kb * BlockK;
    public int KDepth(int kb) => Math.Min(BlockK, K - kb * BlockK);
}
