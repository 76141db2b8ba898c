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
