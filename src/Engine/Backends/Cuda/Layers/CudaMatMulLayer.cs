using System.Runtime.InteropServices;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cuda.Layers;

/// <summary>Element strides of a batched MatMul's operands, as the <c>batched_matmul</c> kernel reads them.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MatMulStrides
{
    public long ABatch, ARow, ACol;
    public long BBatch, BRow, BCol;
    public long CBatch;
}

/// <summary>
/// MatMul of two activations (<see cref="BatchedMatMulShape"/>: attention's QKᵀ and softmax·V):
/// one launch over every batch matrix, 32 x 32 tiles of the product per block, float accumulation.
/// </summary>
internal sealed unsafe class CudaMatMulLayer : CudaLayer
{
    private const int Tile = 32;
    private readonly KernelModule _module;
    private readonly TensorSlot _a, _b, _c;
    private readonly BatchedMatMulShape _shape;
    private readonly MatMulStrides _strides;
    private nint _function;

    public CudaMatMulLayer(CudaBackend backend, LayerSpec spec) : base(backend)
    {
        _shape = BatchedMatMulShape.Of(spec) ?? throw new InvalidOperationException($"{spec.Node.Describe()} is not a MatMul of two activations");
        _module = backend.Module("matmul");
        _a = spec.Input(0);
        _b = spec.Input(1);
        _c = spec.Output(0);
        var (m, k, n) = (_shape.M, _shape.K, _shape.N);
        _strides = new MatMulStrides
        {
            ABatch = (long)m * k, ARow = k, ACol = 1,
            BBatch = (long)k * n, BRow = n, BCol = 1,
            CBatch = (long)m * n,
        };
    }

    public override IEnumerable<KernelModule> Modules => [_module];

    public override void Execute(in ExecutionState state)
    {
        if (_function == 0) _function = Backend.Kernels.Function(_module, "batched_matmul");
        ulong a = Address(state, _a), b = Address(state, _b), c = Address(state, _c);
        int m = _shape.M, n = _shape.N, k = _shape.K;
        var strides = _strides;
        void** args = stackalloc void*[] { &a, &b, &c, &m, &n, &k, &strides };
        Launch(_function, (uint)((n + Tile - 1) / Tile), (uint)((m + Tile - 1) / Tile), (uint)_shape.Batches, 256, state, args);
    }
}

/// <summary>
/// Gemm/MatMul by constant weights over many rows (a transformer's tokens) as Y = X W read along
/// rows: X [rows x K] straight from the arena and W stored [K x N], so both operands' loads are
/// coalesced, with the bias, activation and post affine in the store. The implicit-GEMM view of
/// the same layer (a 1 x 1 convolution with the rows as its batch) gathers X a column at a time;
/// the autotuner times both.
/// </summary>
internal sealed unsafe class CudaRowsMatMulLayer : CudaLayer
{
    public const string TacticName = "rows_simt";
    private const int Tile = 32;
    private readonly KernelModule _module;
    private readonly TensorSlot _x, _y;
    private readonly DeviceBuffer _weights, _bias;
    private readonly int _rows, _k, _n;
    private readonly EpilogueParams _epilogue;
    private nint _function;

    /// <param name="weightsKByN">W as [K x N], row-major.</param>
    public CudaRowsMatMulLayer(CudaBackend backend, LayerSpec spec, int k, int n, float[] weightsKByN, float[] bias) : base(backend)
    {
        _module = backend.Module("matmul");
        _x = spec.Input(0);
        _y = spec.Output(0);
        (_k, _n) = (k, n);
        _rows = checked((int)(_x.ElementCount / k));
        _weights = backend.UploadStorage(Tensors.Tensor.FromFloats(weightsKByN, k, n));
        _bias = backend.Device.Upload<float>(bias);
        _epilogue = CudaConvLayer.Epilogue(spec.Node);
    }

    public override IEnumerable<KernelModule> Modules => [_module];

    public override void Execute(in ExecutionState state)
    {
        if (_function == 0) _function = Backend.Kernels.Function(_module, "rows_matmul");
        ulong x = Address(state, _x), y = Address(state, _y), w = _weights.Pointer, bias = _bias.Pointer;
        int m = _rows, n = _n, k = _k;
        var e = _epilogue;
        void** args = stackalloc void*[] { &x, &w, &y, &bias, &m, &n, &k, &e };
        Launch(_function, (uint)((n + Tile - 1) / Tile), (uint)((m + Tile - 1) / Tile), 1, 256, state, args);
    }
}
