namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// The register-blocked inner product of the GEMM: an MR x NR tile of C from an A panel
/// (kc steps of MR consecutive floats, as <see cref="PackedGemmWeights"/> lays them out) and
/// kc rows of NR floats of B, <paramref name="ldb"/> apart (NR when B is packed). With
/// <c>accumulate</c> the tile is added to C, otherwise it replaces it. Implementations are
/// structs so the generic GEMM driver is compiled once per kernel with no indirect calls.
/// </summary>
internal unsafe interface IMicroKernel
{
    static abstract int MR { get; }
    static abstract int NR { get; }
    static abstract void Run(int kc, float* a, float* b, nint ldb, float* c, nint ldc, bool accumulate);
}
