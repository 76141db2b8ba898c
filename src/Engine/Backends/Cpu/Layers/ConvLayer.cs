using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>
/// FusedConv on the CPU kernels: weights packed once when the layer is compiled, bias pinned,
/// and conv + bias + residual + activation + post affine in one pass over the output.
/// </summary>
internal sealed unsafe class ConvLayer : ICompiledLayer
{
    private readonly Conv2dKernel? _conv;
    private readonly ConvTranspose2dKernel? _transposed;
    private readonly ConvTranspose2x2Kernel? _upsample;
    private readonly long _input, _output, _residual, _workspace;
    private readonly float[]? _bias, _constantResidual;
    private readonly Activation _activation;
    private readonly bool _activationFirst;
    private readonly float _postScale, _postShift;
    private readonly int _maxThreads;

    public ConvLayer(LayerSpec spec, Conv2dKernel? conv, ConvTranspose2dKernel? transposed, int maxThreads, ConvTranspose2x2Kernel? upsample = null)
    {
        _conv = conv;
        _transposed = transposed;
        _upsample = upsample;
        _maxThreads = maxThreads;
        _input = spec.Input(0).Offset;
        _output = spec.Output(0).Offset;
        _workspace = spec.WorkspaceOffset;
        if (spec.OptionalInput(2)?.Constant is { } bias) _bias = Pinned(bias.Floats);
        var residual = spec.OptionalInput(3);
        _residual = residual?.Offset ?? TensorSlot.NotPlaced;
        if (residual?.Constant is { } r) _constantResidual = Pinned(r.Floats);
        _activation = Activation.FromAttributes(spec.Node);
        _activationFirst = spec.Node.GetInt("activation_first", 0) != 0;
        _postScale = spec.Node.GetFloat("post_scale", 1f);
        _postShift = spec.Node.GetFloat("post_shift", 0f);
    }

    private static float[] Pinned(float[] values)
    {
        var pinned = GC.AllocateArray<float>(values.Length, pinned: true);
        values.CopyTo(pinned, 0);
        return pinned;
    }

    public void Execute(in ExecutionState state)
    {
        if (state.Pool.Threads > _maxThreads)
            throw new InvalidOperationException($"a context with {state.Pool.Threads} threads runs an engine built for at most {_maxThreads}");
        fixed (float* bias = _bias, constantResidual = _constantResidual)
        {
            float* residual = constantResidual != null ? constantResidual
                : _residual >= 0 ? (float*)(state.Arena + _residual) : null;
            var epilogue = new ConvEpilogue(bias, _activation, residual, _activationFirst, _postScale, _postShift);
            float* x = (float*)(state.Arena + _input), y = (float*)(state.Arena + _output);
            float* workspace = _workspace >= 0 ? (float*)(state.Arena + _workspace) : null;
            if (_conv is not null) _conv.Run(x, y, epilogue, workspace, state.Pool);
            else if (_transposed is not null) _transposed.Run(x, y, epilogue, workspace, state.Pool);
            else _upsample!.Run(x, y, epilogue, state.Pool);
        }
    }
}
