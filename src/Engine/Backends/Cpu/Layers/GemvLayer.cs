using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>
/// Gemm and MatMul by constant weights with few input rows, as matrix-vector products
/// (<see cref="Gemv"/>): Y[r, :] = act(X[r, :] * W + bias) * post_scale + post_shift. The weights
/// are kept as [N, K] so each output's weights are one contiguous run.
/// </summary>
internal sealed unsafe class GemvLayer : ICompiledLayer
{
    public const string TacticPrefix = "gemv_";

    private readonly float[] _weights;
    private readonly float[]? _bias;
    private readonly Activation _activation;
    private readonly float _postScale, _postShift;
    private readonly KernelIsa _isa;
    private readonly long _input, _output;
    private readonly int _rows, _k, _n;

    public static string TacticName(KernelIsa isa) => TacticPrefix + isa.ToString().ToLowerInvariant();

    public static KernelIsa? IsaOf(Tactic tactic) =>
        tactic.Name.StartsWith(TacticPrefix, StringComparison.Ordinal)
            ? Enum.GetValues<KernelIsa>().FirstOrDefault(i => TacticName(i) == tactic.Name, KernelIsa.Portable)
            : null;

    /// <param name="transB">W is given as [N, K] (Gemm's transB); otherwise [K, N], transposed here once.</param>
    public GemvLayer(LayerSpec spec, float[] weights, bool transB, float[]? bias, KernelIsa isa)
    {
        var w = spec.Input(1);
        _k = transB ? w.Shape[1] : w.Shape[0];
        _n = transB ? w.Shape[0] : w.Shape[1];
        _weights = GC.AllocateArray<float>(_n * _k, pinned: true);
        if (transB) weights.AsSpan(0, _n * _k).CopyTo(_weights);
        else
            for (int kk = 0; kk < _k; kk++)
            for (int j = 0; j < _n; j++) _weights[(long)j * _k + kk] = weights[(long)kk * _n + j];
        _bias = bias;
        bool fused = spec.Node.Domain == FusedOps.Domain;
        _activation = fused ? Activation.FromAttributes(spec.Node) : Activation.None;
        _postScale = fused ? spec.Node.GetFloat("post_scale", 1f) : 1f;
        _postShift = fused ? spec.Node.GetFloat("post_shift", 0f) : 0f;
        _isa = isa;
        _input = spec.Input(0).Offset;
        _output = spec.Output(0).Offset;
        _rows = (int)(spec.Input(0).ElementCount / _k);
    }

    public void Execute(in ExecutionState state)
    {
        fixed (float* w = _weights, bias = _bias)
            Gemv.Run(w, _n, _k, (float*)(state.Arena + _input), _rows, (float*)(state.Arena + _output), bias,
                _activation, _postScale, _postShift, _isa, state.Pool);
    }
}
