namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// A constant right GEMM operand B [K x N] (a MatMul's weights when the rows are tokens) packed
/// once at build time into the panels the micro-kernel streams, so no run packs it: K is cut
/// into the tactic's balanced blocks, and block kb holds N rounded up to whole NR-wide panels,
/// each kc rows of NR consecutive floats (columns past N are zero). Pinned and 64-byte aligned.
/// </summary>
public sealed unsafe class PackedGemmPanels
{
    private readonly AlignedFloats _storage;

    public int K { get; }
    public int N { get; }
    /// <summary>N rounded up to a whole number of NR-wide panels.</summary>
    public int PaddedN { get; }
    public GemmTactic Tactic { get; }

    /// <summary>Packs B where element (k, n) is at <c>b[k * rowStride + n * colStride]</c>.</summary>
    public PackedGemmPanels(float* b, int k, int n, nint rowStride, nint colStride, GemmTactic tactic)
    {
        if (k < 1 || n < 1) throw new ArgumentException($"GEMM weights must be at least 1 x 1, got {k} x {n}");
        K = k;
        N = n;
        Tactic = tactic;
        int nr = tactic.NR;
        PaddedN = (n + nr - 1) / nr * nr;
        _storage = new AlignedFloats((long)PaddedN * k);
        int kBlocks = (k + tactic.KC - 1) / tactic.KC, blockK = (k + kBlocks - 1) / kBlocks;
        var source = BSource.Plain(b, rowStride, colStride);
        for (int k0 = 0; k0 < k; k0 += blockK)
            BPacker.Pack(source, k0, Math.Min(blockK, k - k0), 0, n, nr, Data + (long)k0 * PaddedN);
    }

    /// <summary>Packs a row-major [K x N] span.</summary>
    public static PackedGemmPanels FromRowMajor(ReadOnlySpan<float> b, int k, int n, GemmTactic tactic)
    {
        if (b.Length < (long)k * n) throw new ArgumentException($"weights hold {b.Length} values, {k} x {n} needed");
        fixed (float* p = b) return new PackedGemmPanels(p, k, n, n, 1, tactic);
    }

    /// <summary>Start of the packed data; valid while this object is alive.</summary>
    public float* Data => _storage.Data;
}
