using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>
/// Gemm and MatMul by constant weights: Y[r, :] = X[r, :] * W + bias, computed as
/// Y[r]^T = W^T * X[r]^T with W^T packed once, one output row at a time (edge models run
/// batch 1, so rows are few: a classifier head has one).
/// </summary>
internal sealed unsafe class GemmLayer : ICompiledLayer
{
    private readonly PackedGemmWeights _weights;
    private readonly float[]? _bias;
    private readonly Activation _activation;
    private readonly float _postScale, _postShift;
    private readonly long _input, _output, _workspace;
    private readonly int _rows, _k, _n, _maxThreads;

    /// <param name="transB">W is given as [N, K] (Gemm's transB).</param>
    public GemmLayer(LayerSpec spec, float[] weights, bool transB, float[]? bias, GemmTactic tactic, int maxThreads)
    {
        var w = spec.Input(1);
        _k = transB ? w.Shape[1] : w.Shape[0];
        _n = transB ? w.Shape[0] : w.Shape[1];
        fixed (float* pw = weights)
            _weights = new PackedGemmWeights(pw, _n, _k, transB ? _k : 1, transB ? 1 : _n, tactic);
        _bias = bias;
        bool fused = spec.Node.Domain == FusedOps.Domain;
        _activation = fused ? Activation.FromAttributes(spec.Node) : Activation.None;
        _postScale = fused ? spec.Node.GetFloat("post_scale", 1f) : 1f;
        _postShift = fused ? spec.Node.GetFloat("post_shift", 0f) : 0f;
        _input = spec.Input(0).Offset;
        _output = spec.Output(0).Offset;
        _workspace = spec.WorkspaceOffset;
        _rows = (int)(spec.Input(0).ElementCount / _k);
        _maxThreads = maxThreads;
    }

    public static long WorkspaceElements(GemmTactic tactic, int k, int threads) => Gemm.WorkspaceElements(tactic, k, 1, threads);

    public void Execute(in ExecutionState state)
    {
        if (state.Pool.Threads > _maxThreads)
            throw new InvalidOperationException($"a context with {state.Pool.Threads} threads runs an engine built for at most {_maxThreads}");
        fixed (float* bias = _bias)
        {
            var epilogue = new Epilogue(bias, _activation, postScale: _postScale, postShift: _postShift);
            float* x = (float*)(state.Arena + _input), y = (float*)(state.Arena + _output);
            float* workspace = _workspace >= 0 ? (float*)(state.Arena + _workspace) : null;
            for (int r = 0; r < _rows; r++)
                Gemm.Run(_weights, x + (long)r * _k, 1, 1, 1, y + (long)r * _n, 1, epilogue, workspace, state.Pool);
        }
    }
}
