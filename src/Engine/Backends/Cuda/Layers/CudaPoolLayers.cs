using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cuda.Layers;

/// <summary>MaxPool and AveragePool over N x C x H x W, one thread per output.</summary>
internal sealed unsafe class CudaPoolLayer : CudaLayer
{
    private readonly KernelModule _module;
    private readonly TensorSlot _input, _output;
    private readonly PoolParams _params;
    private nint _function;

    public static bool CanCompile(LayerSpec spec) =>
        spec.Input(0).Shape.Length == 4 && spec.Outputs.Count == 1 && spec.Node.GetInt("storage_order", 0) == 0 && !spec.Input(0).IsConstant;

    public CudaPoolLayer(CudaBackend backend, LayerSpec spec) : base(backend)
    {
        _module = backend.Module("elementwise");
        _input = spec.Input(0);
        _output = spec.Output(0);
        var w = WindowAttributes.Parse(spec.Node, 2, null);
        var (top, bottom) = w.ResolvePads(0, _input.Shape[2]);
        var (left, right) = w.ResolvePads(1, _input.Shape[3]);
        _params = new PoolParams
        {
            Planes = _input.Shape[0] * _input.Shape[1], H = _input.Shape[2], W = _input.Shape[3], OH = _output.Shape[2], OW = _output.Shape[3],
            KH = w.Kernel[0], KW = w.Kernel[1], SH = w.Strides[0], SW = w.Strides[1], DH = w.Dilations[0], DW = w.Dilations[1],
            Top = top, Left = left, Bottom = bottom, Right = right,
            IsMax = spec.Node.OpType == "MaxPool" ? 1 : 0, IncludePad = spec.Node.GetInt("count_include_pad", 0) != 0 ? 1 : 0,
        };
    }

    public override IEnumerable<KernelModule> Modules => [_module];

    public override void Execute(in ExecutionState state)
    {
        if (_function == 0) _function = Backend.Kernels.Function(_module, "pool2d");
        ulong x = Address(state, _input), y = Address(state, _output);
        var p = _params;
        void** args = stackalloc void*[] { &x, &y, &p };
        Launch(_function, Blocks((long)p.Planes * p.OH * p.OW), 1, 1, Threads, state, args);
    }
}

/// <summary>GlobalAveragePool and GlobalMaxPool: one warp reduces each channel plane.</summary>
internal sealed unsafe class CudaGlobalPoolLayer(CudaBackend backend, LayerSpec spec) : CudaLayer(backend)
{
    private readonly KernelModule _module = backend.Module("elementwise");
    private nint _function;

    public static bool CanCompile(LayerSpec spec) => spec.Input(0).Shape.Length >= 3 && !spec.Input(0).IsConstant;

    public override IEnumerable<KernelModule> Modules => [_module];

    public override void Execute(in ExecutionState state)
    {
        if (_function == 0) _function = Backend.Kernels.Function(_module, "global_pool");
        var input = spec.Input(0);
        ulong x = Address(state, input), y = Address(state, spec.Output(0));
        int planes = input.Shape[0] * input.Shape[1];
        int length = (int)(input.ElementCount / planes);
        int isMax = spec.Node.OpType == "GlobalMaxPool" ? 1 : 0;
        void** args = stackalloc void*[] { &x, &y, &planes, &length, &isMax };
        Launch(_function, (uint)((planes + 7) / 8), 1, 1, Threads, state, args);
    }
}
