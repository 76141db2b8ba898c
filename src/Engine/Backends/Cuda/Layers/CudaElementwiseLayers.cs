using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cuda.Layers;

/// <summary>
/// Two-operand arithmetic with NumPy broadcasting (Add, Sub, Mul, Div, Pow, Max, Min). Constant
/// operands live on the device in the engine's storage type; same-shape and scalar operands
/// take the flat kernel, everything else the strided one.
/// </summary>
internal sealed unsafe class CudaBinaryLayer : CudaLayer
{
    public static readonly string[] Ops = ["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min"];

    private readonly KernelModule _module;
    private readonly TensorSlot _a, _b, _output;
    private readonly DeviceBuffer? _constantA, _constantB;
    private readonly int _op;
    private readonly bool _flat, _scalarB;
    private readonly BroadcastParams _broadcast;
    private readonly long _total;
    private nint _function;

    public static bool CanCompile(LayerSpec spec) =>
        spec.Inputs.Count == 2 && spec.Output(0).Shape.Length <= BroadcastParams.MaxRank && spec.Output(0).ElementCount > 0;

    public CudaBinaryLayer(CudaBackend backend, LayerSpec spec) : base(backend)
    {
        _module = backend.Module("elementwise");
        _a = spec.Input(0);
        _b = spec.Input(1);
        _output = spec.Output(0);
        _op = Array.IndexOf(Ops, spec.Node.OpType);
        _constantA = _a.Constant is { } ca ? backend.UploadStorage(ca) : null;
        _constantB = _b.Constant is { } cb ? backend.UploadStorage(cb) : null;
        _total = _output.ElementCount;
        var outShape = _output.Shape;
        bool aFull = _a.Shape.AsSpan().SequenceEqual(outShape);
        _scalarB = aFull && _b.ElementCount == 1;
        _flat = aFull && (_scalarB || _b.Shape.AsSpan().SequenceEqual(outShape));
        var p = new BroadcastParams { Rank = outShape.Length };
        for (int d = 0; d < outShape.Length; d++) p.Dims[d] = outShape[d];
        Strides(_a.Shape, outShape, p.StridesA);
        Strides(_b.Shape, outShape, p.StridesB);
        _broadcast = p;
    }

    /// <summary>Element strides of <paramref name="shape"/> aligned right against <paramref name="output"/>, 0 where it broadcasts.</summary>
    private static void Strides(int[] shape, int[] output, long* strides)
    {
        long stride = 1;
        for (int d = output.Length - 1, s = shape.Length - 1; d >= 0; d--, s--)
        {
            int dim = s >= 0 ? shape[s] : 1;
            strides[d] = dim == 1 ? 0 : stride;
            stride *= dim;
        }
    }

    public override IEnumerable<KernelModule> Modules => [_module];

    public override void Execute(in ExecutionState state)
    {
        if (_function == 0) _function = Backend.Kernels.Function(_module, _flat ? "binary_flat" : "binary_broadcast");
        ulong a = _constantA?.Pointer ?? Address(state, _a), b = _constantB?.Pointer ?? Address(state, _b), y = Address(state, _output);
        long total = _total;
        int op = _op, scalar = _scalarB ? 1 : 0;
        var p = _broadcast;
        if (_flat)
        {
            void** args = stackalloc void*[] { &a, &b, &y, &total, &op, &scalar };
            Launch(_function, Blocks(total), 1, 1, Threads, state, args);
        }
        else
        {
            void** args = stackalloc void*[] { &a, &b, &y, &total, &op, &p };
            Launch(_function, Blocks(total), 1, 1, Threads, state, args);
        }
    }
}

/// <summary>A standalone activation (Relu, Sigmoid, HardSwish, Silu, …) as one element-wise kernel.</summary>
internal sealed unsafe class CudaActivationLayer(CudaBackend backend, LayerSpec spec, Activation activation) : CudaLayer(backend)
{
    private readonly KernelModule _module = backend.Module("elementwise");
    private nint _function;

    public override IEnumerable<KernelModule> Modules => [_module];

    public override void Execute(in ExecutionState state)
    {
        if (_function == 0) _function = Backend.Kernels.Function(_module, "unary_activation");
        ulong x = Address(state, spec.Input(0)), y = Address(state, spec.Output(0));
        long total = spec.Output(0).ElementCount;
        int act = (int)activation.Kind;
        float alpha = activation.Alpha, beta = activation.Beta;
        void** args = stackalloc void*[] { &x, &y, &total, &act, &alpha, &beta };
        Launch(_function, Blocks(total), 1, 1, Threads, state, args);
    }
}
