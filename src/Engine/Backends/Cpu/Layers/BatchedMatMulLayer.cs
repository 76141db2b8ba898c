using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>
/// MatMul of two activations with the same leading (batch) dimensions, as attention computes
/// QKᵀ and softmax·V: for each batch matrix, A [M x K] is packed into the workspace and the
/// blocked GEMM multiplies it by B [K x N] read in place. Nothing is allocated per run.
/// </summary>
internal sealed unsafe class BatchedMatMulLayer : ICompiledLayer
{
    private readonly GemmTactic _tactic;
    private readonly long _a, _b, _c, _workspace, _packedFloats;
    private readonly int _batches, _m, _k, _n, _maxThreads;

    /// <summary>Both inputs float activations of one rank ≥ 2 with equal leading dimensions (no broadcast).</summary>
    public static (int Batches, int M, int K, int N)? ShapeOf(LayerSpec spec) =>
        BatchedMatMulShape.Of(spec) is { } s ? (s.Batches, s.M, s.K, s.N) : null;

    public static IReadOnlyList<GemmTactic> Tactics(int m, int k, int n) => GemmTactic.Enumerate(m, n, k, plainB: true);

    /// <summary>Bytes of workspace: one packed A and the GEMM's packing buffers for every thread.</summary>
    public static long WorkspaceBytes(int m, int k, int n, GemmTactic tactic, int threads) =>
        4 * ((PackedGemmWeights.PackedFloats(m, k, tactic) + 15) / 16 * 16 + Gemm.WorkspaceElements(tactic, k, n, threads));

    public BatchedMatMulLayer(LayerSpec spec, GemmTactic tactic, int maxThreads)
    {
        (_batches, _m, _k, _n) = ShapeOf(spec) ?? throw new InvalidOperationException($"{spec.Node.Describe()} is not a batched MatMul of two activations");
        _tactic = tactic;
        _a = spec.Input(0).Offset;
        _b = spec.Input(1).Offset;
        _c = spec.Output(0).Offset;
        _workspace = spec.WorkspaceOffset;
        _packedFloats = (PackedGemmWeights.PackedFloats(_m, _k, tactic) + 15) / 16 * 16;
        _maxThreads = maxThreads;
        if (_workspace < 0) throw new InvalidOperationException($"{spec.Node.Describe()} has no workspace placed");
    }

    public void Execute(in ExecutionState state)
    {
        if (state.Pool.Threads > _maxThreads)
            throw new InvalidOperationException($"a context with {state.Pool.Threads} threads runs an engine built for at most {_maxThreads}");
        float* packed = (float*)(state.Arena + _workspace), buffers = packed + _packedFloats;
        float* a = (float*)(state.Arena + _a), b = (float*)(state.Arena + _b), c = (float*)(state.Arena + _c);
        var epilogue = new Epilogue(null, Activation.None);
        for (int i = 0; i < _batches; i++)
        {
            PackedGemmWeights.PackInto(a + (long)i * _m * _k, _m, _k, _k, 1, _tactic, packed);
            Gemm.Run(packed, _m, _k, _tactic, BSource.Plain(b + (long)i * _k * _n, _n, 1), _n, c + (long)i * _m * _n, _n, epilogue, buffers, state.Pool);
        }
    }
}
