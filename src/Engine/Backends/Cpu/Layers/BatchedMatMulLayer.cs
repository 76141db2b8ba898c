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

    /// <summary>Both inputs float activations of one rank ≥ 3 with equal leading dimensions (no broadcast).</summary>
    public static (int Batches, int M, int K, int N)? ShapeOf(LayerSpec spec)
    {
        if (spec.Node.Domain != "" || spec.Node.OpType != "MatMul" || spec.Inputs.Count != 2) return null;
        var a = spec.Input(0);
        var b = spec.Input(1);
        if (a.IsConstant || b.IsConstant || a.Type != DataType.Float32 || b.Type != DataType.Float32 || spec.Output(0).Type != DataType.Float32) return null;
        int rank = a.Shape.Length;
        if (rank < 3 || b.Shape.Length != rank || !a.Shape.AsSpan(0, rank - 2).SequenceEqual(b.Shape.AsSpan(0, rank - 2))) return null;
        if (a.Shape[rank - 1] != b.Shape[rank - 2]) return null;
        int batches = a.Shape.Take(rank - 2).Aggregate(1, (x, y) => x * y);
        return (batches, a.Shape[rank - 2], a.Shape[rank - 1], b.Shape[rank - 1]);
    }

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
