using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>
/// Gemm and MatMul by constant weights: Y = X * W + bias, computed as Y^T = W^T * X^T with W^T
/// packed once, so the bias and activation are the GEMM's per-row epilogue. One row (a
/// classifier head) goes straight into Y; several rows (a transformer's tokens) are one GEMM over
/// all of them into the workspace, then transposed into Y.
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

    /// <summary>Floats of workspace: the GEMM's packing buffers for all rows and, for several rows, Y^T.</summary>
    public static long WorkspaceElements(GemmTactic tactic, int k, int n, int rows, int threads) =>
        rows <= 1 ? Gemm.WorkspaceElements(tactic, k, 1, threads) : TransposedElements(n, rows) + Gemm.WorkspaceElements(tactic, k, rows, threads);

    private static long TransposedElements(int n, int rows) => ((long)n * rows + 15) / 16 * 16;

    public void Execute(in ExecutionState state)
    {
        if (state.Pool.Threads > _maxThreads)
            throw new InvalidOperationException($"a context with {state.Pool.Threads} threads runs an engine built for at most {_maxThreads}");
        fixed (float* bias = _bias)
        {
            var epilogue = new Epilogue(bias, _activation, postScale: _postScale, postShift: _postShift);
            float* x = (float*)(state.Arena + _input), y = (float*)(state.Arena + _output);
            float* workspace = _workspace >= 0 ? (float*)(state.Arena + _workspace) : null;
            if (_rows <= 1)
            {
                if (_rows == 1) Gemm.Run(_weights, x, 1, 1, 1, y, 1, epilogue, workspace, state.Pool);
                return;
            }
            // Y^T [N x rows] = W^T * X^T: B element (k, r) is X[r, k].
            float* transposed = workspace;
            Gemm.Run(_weights, x, 1, _k, _rows, transposed, _rows, epilogue, workspace + TransposedElements(_n, _rows), state.Pool);
            for (int r = 0; r < _rows; r++)
            {
                float* row = y + (long)r * _n;
                for (int j = 0; j < _n; j++) row[j] = transposed[(long)j * _rows + r];
            }
        }
    }
}
