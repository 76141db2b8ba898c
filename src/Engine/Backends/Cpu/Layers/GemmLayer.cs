using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>
/// Gemm and MatMul by constant weights: Y = X * W + bias. One row (a classifier head) runs as
/// Y^T = W^T * X^T with W^T packed once, so the bias is the GEMM's per-row epilogue. Several rows
/// (a transformer's tokens) run as Y = X * W straight into Y: W is packed once into the
/// micro-kernel's B panels and X is packed into the workspace on each run (<see cref="Gemm.RunRows(float*, int, PackedGemmPanels, float*, float*, Activation, float, float, float*, WorkerPool?)"/>).
/// </summary>
internal sealed unsafe class GemmLayer : ICompiledLayer
{
    private readonly PackedGemmWeights? _weights;
    private readonly PackedGemmPanels? _panels;
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
        _rows = (int)(spec.Input(0).ElementCount / _k);
        // Element (k, n) of W: w[n * K + k] with transB, else w[k * N + n].
        nint kStride = transB ? 1 : _n, nStride = transB ? _k : 1;
        fixed (float* pw = weights)
        {
            if (_rows <= 1) _weights = new PackedGemmWeights(pw, _n, _k, nStride, kStride, tactic);
            else _panels = new PackedGemmPanels(pw, _k, _n, kStride, nStride, tactic);
        }
        _bias = bias;
        bool fused = spec.Node.Domain == FusedOps.Domain;
        _activation = fused ? Activation.FromAttributes(spec.Node) : Activation.None;
        _postScale = fused ? spec.Node.GetFloat("post_scale", 1f) : 1f;
        _postShift = fused ? spec.Node.GetFloat("post_shift", 0f) : 0f;
        _input = spec.Input(0).Offset;
        _output = spec.Output(0).Offset;
        _workspace = spec.WorkspaceOffset;
        _maxThreads = maxThreads;
    }

    /// <summary>The tactics worth timing: the rows-as-columns orientation for one row, rows as rows otherwise.</summary>
    public static IReadOnlyList<GemmTactic> Tactics(int k, int n, int rows) =>
        rows <= 1 ? GemmTactic.Enumerate(n, 1, k, plainB: true) : GemmTactic.Enumerate(rows, n, k);

    /// <summary>Floats of workspace: the GEMM's packing buffers for one row; X packed into A panels for several.</summary>
    public static long WorkspaceElements(GemmTactic tactic, int k, int n, int rows, int threads) =>
        rows <= 1 ? Gemm.WorkspaceElements(tactic, k, 1, threads) : Gemm.RowsWorkspaceElements(rows, k, tactic);

    public void Execute(in ExecutionState state)
    {
        if (state.Pool.Threads > _maxThreads)
            throw new InvalidOperationException($"a context with {state.Pool.Threads} threads runs an engine built for at most {_maxThreads}");
        fixed (float* bias = _bias)
        {
            float* x = (float*)(state.Arena + _input), y = (float*)(state.Arena + _output);
            float* workspace = _workspace >= 0 ? (float*)(state.Arena + _workspace) : null;
            if (_rows <= 1)
            {
                if (_rows == 1) Gemm.Run(_weights!, x, 1, 1, 1, y, 1, new Epilogue(bias, _activation, postScale: _postScale, postShift: _postShift), workspace, state.Pool);
                return;
            }
            Gemm.RunRows(x, _rows, _panels!, y, bias, _activation, _postScale, _postShift, workspace, state.Pool);
        }
    }
}
