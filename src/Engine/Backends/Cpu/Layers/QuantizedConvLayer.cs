using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>
/// QConv on the INT8 kernels (GEMM, or the direct depthwise kernel): weights and their per-row scales packed when the layer is
/// compiled, the residual read as float or int8, the output written as int8 (requantized)
/// or float, all in the GEMM's epilogue.
/// </summary>
internal sealed unsafe class QuantizedConvLayer : ICompiledLayer
{
    private readonly IInt8ConvKernel _kernel;
    private readonly long _input, _output, _residual, _workspace;
    private readonly bool _int8Output, _int8Residual;
    private readonly float[]? _bias;
    private readonly float _residualScale, _inverseOutputScale;
    private readonly Activation _activation;
    private readonly bool _activationFirst;
    private readonly float _postScale, _postShift;
    private readonly int _maxThreads;
    private readonly KernelIsa _floatIsa;

    public QuantizedConvLayer(LayerSpec spec, Conv2dShape shape, Int8Isa isa, int maxThreads)
    {
        var node = spec.Node;
        float inputScale = Scalar(spec, QuantizedOps.XScale)!.Value;
        var weights = (sbyte[])spec.Input(QuantizedOps.W).Constant!.Data;
        var weightScales = spec.Input(QuantizedOps.WScale).Constant!.Floats;
        _kernel = shape.IsDepthwise ? new Int8DepthwiseKernel(shape, weights, weightScales, inputScale)
            : new Int8ConvKernel(shape, weights, weightScales, inputScale, isa);
        _maxThreads = maxThreads;
        _input = spec.Input(QuantizedOps.X).Offset;
        _output = spec.Output(0).Offset;
        _workspace = spec.WorkspaceOffset;
        _int8Output = spec.Output(0).Type == DataType.Int8;
        _inverseOutputScale = _int8Output ? 1f / Scalar(spec, QuantizedOps.YScale)!.Value : 0f;
        if (spec.OptionalInput(QuantizedOps.Bias)?.Constant is { } bias)
        {
            _bias = GC.AllocateArray<float>(bias.Length, pinned: true);
            bias.Floats.CopyTo(_bias, 0);
        }
        var residual = spec.OptionalInput(QuantizedOps.Residual);
        _residual = residual?.Offset ?? TensorSlot.NotPlaced;
        _int8Residual = residual?.Type == DataType.Int8;
        _residualScale = _int8Residual ? Scalar(spec, QuantizedOps.ResidualScale)!.Value : 0f;
        _activation = Activation.FromAttributes(node);
        _activationFirst = node.GetInt("activation_first", 0) != 0;
        _postScale = node.GetFloat("post_scale", 1f);
        _postShift = node.GetFloat("post_shift", 0f);
        // The portable path also takes the reference's scalar activation, so it matches exactly.
        _floatIsa = isa == Int8Isa.Portable ? KernelIsa.Portable : KernelIsas.Best;
    }

    /// <summary>Whether the CPU kernels run this QConv: 2-D, placed (not constant) input and residual.</summary>
    public static bool CanCompile(LayerSpec spec) =>
        spec.Input(QuantizedOps.X).Shape.Length == 4 && spec.Input(QuantizedOps.W).Constant is not null
        && spec.OptionalInput(QuantizedOps.Residual) is null or { Constant: null }
        && (spec.OptionalInput(QuantizedOps.Bias) is null or { Constant: { Type: DataType.Float32 } });

    private static float? Scalar(LayerSpec spec, int input) => spec.OptionalInput(input)?.Constant?.Floats[0];

    public void Execute(in ExecutionState state)
    {
        if (state.Pool.Threads > _maxThreads)
            throw new InvalidOperationException($"a context with {state.Pool.Threads} threads runs an engine built for at most {_maxThreads}");
        fixed (float* bias = _bias)
        {
            byte* arena = state.Arena;
            var epilogue = new Int8Epilogue
            {
                Bias = bias, Activation = _activation, ActivationFirst = _activationFirst, PostScale = _postScale, PostShift = _postShift,
                Residual = _residual >= 0 && !_int8Residual ? (float*)(arena + _residual) : null,
                ResidualInt8 = _residual >= 0 && _int8Residual ? (sbyte*)(arena + _residual) : null,
                ResidualScale = _residualScale,
                OutputInt8 = _int8Output ? (sbyte*)(arena + _output) : null,
                Output = _int8Output ? null : (float*)(arena + _output),
                InverseOutputScale = _inverseOutputScale,
                FloatIsa = _floatIsa,
            };
            _kernel.Run((sbyte*)(arena + _input), epilogue, arena + _workspace, state.Pool);
        }
    }
}
