using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cuda.Layers;

/// <summary>Depthwise and transposed convolutions on the direct kernels, with the fused epilogue.</summary>
internal sealed unsafe class CudaDirectConvLayer : CudaLayer
{
    private readonly KernelModule _module;
    private readonly string _kernel;
    private readonly DeviceBuffer _weights, _bias;
    private readonly TensorSlot _input, _output;
    private readonly TensorSlot? _residual;
    private readonly DirectParams _params;
    private readonly long _total;
    private nint _function;

    private CudaDirectConvLayer(CudaBackend backend, LayerSpec spec, string kernel, DirectParams p, float[] weights, float[] bias, TensorSlot? residual)
        : base(backend)
    {
        _module = backend.Module("conv_direct");
        _kernel = kernel;
        _weights = backend.Device.Upload<float>(weights);
        _bias = backend.Device.Upload<float>(bias);
        _input = spec.Input(0);
        _output = spec.Output(0);
        _residual = residual;
        _params = p with { HasResidual = residual is null ? 0 : 1, Epilogue = CudaConvLayer.Epilogue(spec.Node) };
        _total = (long)p.Batch * p.M * p.OH * p.OW;
    }

    public static CudaDirectConvLayer Depthwise(CudaBackend backend, LayerSpec spec, Conv2dShape s, float[] weights, float[] bias, TensorSlot? residual) =>
        new(backend, spec, "conv_depthwise", new DirectParams
        {
            Batch = s.Batch, C = s.C, H = s.H, W = s.W, M = s.M, OH = s.OutH, OW = s.OutW, KH = s.KH, KW = s.KW,
            StrideH = s.StrideH, StrideW = s.StrideW, PadH = s.PadTop, PadW = s.PadLeft, DilH = s.DilationH, DilW = s.DilationW, Groups = s.Group,
        }, weights, bias, residual);

    public static CudaDirectConvLayer Transposed(CudaBackend backend, LayerSpec spec, ConvTranspose2dShape s, float[] weights, float[] bias, TensorSlot? residual) =>
        new(backend, spec, "conv_transpose", new DirectParams
        {
            Batch = s.Batch, C = s.C, H = s.H, W = s.W, M = s.M, OH = s.OutH, OW = s.OutW, KH = s.KH, KW = s.KW,
            StrideH = s.StrideH, StrideW = s.StrideW, PadH = s.PadTop, PadW = s.PadLeft, DilH = s.DilationH, DilW = s.DilationW, Groups = s.Group,
        }, weights, bias, residual);

    public override IEnumerable<KernelModule> Modules => [_module];

    public override void Execute(in ExecutionState state)
    {
        if (_function == 0) _function = Backend.Kernels.Function(_module, _kernel);
        ulong x = Address(state, _input), y = Address(state, _output), w = _weights.Pointer, b = _bias.Pointer;
        ulong r = _residual is null ? 0 : Address(state, _residual);
        var p = _params;
        void** args = stackalloc void*[] { &x, &w, &b, &r, &y, &p };
        Launch(_function, Blocks(_total), 1, 1, Threads, state, args);
    }
}
