using EdgeAgent.Engine.Runtime;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

// The argument block lives on the caller's stack and holds a reference to this layer; the
// stack slot keeps it reported to the GC while WorkerPool.Run blocks, so the workers'
// pointer to the block stays valid.
#pragma warning disable CS8500

/// <summary>
/// Add, Sub, Mul and Div on float32 with broadcasting. At compile time the broadcast is
/// collapsed to the fewest dimensions (adjacent axes that broadcast alike merge), so each run
/// is a loop over rows whose innermost run is one vectorized span-span, span-scalar or
/// scalar-span operation — a per-channel bias or an SE gate becomes rows of span-scalar.
/// </summary>
internal sealed unsafe class BinaryLayer : ICompiledLayer
{
    private const int ChunkElements = 16384;
    private readonly int _op;
    private readonly long _aOffset, _bOffset, _outOffset;
    private readonly float[]? _aConst, _bConst;
    private readonly int[] _outerDims, _outerA, _outerB; // collapsed outer dims and operand strides
    private readonly int _inner, _innerA, _innerB, _rows;

    public BinaryLayer(LayerSpec spec)
    {
        _op = spec.Node.OpType switch { "Add" => 0, "Sub" => 1, "Mul" => 2, "Div" => 3, _ => throw new ArgumentException(spec.Node.OpType) };
        var a = spec.Input(0);
        var b = spec.Input(1);
        var output = spec.Output(0);
        _aOffset = a.Offset;
        _bOffset = b.Offset;
        _outOffset = output.Offset;
        _aConst = a.Constant?.Floats;
        _bConst = b.Constant?.Floats;

        int rank = output.Shape.Length;
        var sa = BroadcastStrides(a.Shape, rank);
        var sb = BroadcastStrides(b.Shape, rank);
        var dims = new List<int>();
        var strideA = new List<int>();
        var strideB = new List<int>();
        for (int d = rank - 1; d >= 0; d--)
        {
            if (output.Shape[d] == 1) continue;
            int last = dims.Count - 1;
            // Axis d merges into the group below when both operands step through it contiguously (or not at all).
            if (last >= 0 && Merges(sa[d], strideA[last], dims[last]) && Merges(sb[d], strideB[last], dims[last]))
            {
                dims[last] *= output.Shape[d];
                continue;
            }
            dims.Add(output.Shape[d]);
            strideA.Add(sa[d]);
            strideB.Add(sb[d]);
        }
        if (dims.Count == 0) { dims.Add(1); strideA.Add(0); strideB.Add(0); }
        dims.Reverse();
        strideA.Reverse();
        strideB.Reverse();
        _inner = dims[^1];
        _innerA = strideA[^1];
        _innerB = strideB[^1];
        _outerDims = dims.SkipLast(1).ToArray();
        _outerA = strideA.SkipLast(1).ToArray();
        _outerB = strideB.SkipLast(1).ToArray();
        _rows = _outerDims.Aggregate(1, (x, y) => x * y);
    }

    private static bool Merges(int stride, int innerStride, int innerSize) =>
        (stride == 0 && innerStride == 0) || (stride != 0 && innerStride != 0 && stride == innerStride * innerSize);

    private static int[] BroadcastStrides(int[] shape, int rank)
    {
        var strides = new int[rank];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[rank - shape.Length + i] = shape[i] == 1 ? 0 : s;
            s *= shape[i];
        }
        return strides;
    }

    private struct Args
    {
        public float* A, B, Out;
        public BinaryLayer Layer;
        public int RowsPerJob;
    }

    public void Execute(in ExecutionState state)
    {
        fixed (float* ca = _aConst, cb = _bConst)
        {
            var args = new Args
            {
                A = ca != null ? ca : (float*)(state.Arena + _aOffset),
                B = cb != null ? cb : (float*)(state.Arena + _bOffset),
                Out = (float*)(state.Arena + _outOffset),
                Layer = this,
                RowsPerJob = Math.Max(1, ChunkElements / Math.Max(1, _inner)),
            };
            state.Pool.Run((_rows + args.RowsPerJob - 1) / args.RowsPerJob, &Body, (nint)(&args));
        }
    }

    private static void Body(nint state, int job)
    {
        var args = (Args*)state;
        var layer = args->Layer;
        int first = job * args->RowsPerJob, last = Math.Min(layer._rows, first + args->RowsPerJob);
        for (int row = first; row < last; row++)
        {
            int oa = 0, ob = 0, rest = row;
            for (int d = layer._outerDims.Length - 1; d >= 0; d--)
            {
                int i = rest % layer._outerDims[d];
                rest /= layer._outerDims[d];
                oa += i * layer._outerA[d];
                ob += i * layer._outerB[d];
            }
            layer.Row(args->A + oa, args->B + ob, args->Out + (long)row * layer._inner);
        }
    }

    private void Row(float* a, float* b, float* output)
    {
        var dst = new Span<float>(output, _inner);
        if (_innerA != 0 && _innerB != 0)
        {
            var x = new ReadOnlySpan<float>(a, _inner);
            var y = new ReadOnlySpan<float>(b, _inner);
            switch (_op)
            {
                case 0: TensorPrimitives.Add(x, y, dst); break;
                case 1: TensorPrimitives.Subtract(x, y, dst); break;
                case 2: TensorPrimitives.Multiply(x, y, dst); break;
                default: TensorPrimitives.Divide(x, y, dst); break;
            }
        }
        else if (_innerA != 0)
        {
            var x = new ReadOnlySpan<float>(a, _inner);
            float y = *b;
            switch (_op)
            {
                case 0: TensorPrimitives.Add(x, y, dst); break;
                case 1: TensorPrimitives.Subtract(x, y, dst); break;
                case 2: TensorPrimitives.Multiply(x, y, dst); break;
                default: TensorPrimitives.Divide(x, y, dst); break;
            }
        }
        else if (_innerB != 0)
        {
            float x = *a;
            var y = new ReadOnlySpan<float>(b, _inner);
            switch (_op)
            {
                case 0: TensorPrimitives.Add(y, x, dst); break;
                case 1: TensorPrimitives.Subtract(x, y, dst); break;
                case 2: TensorPrimitives.Multiply(y, x, dst); break;
                default: TensorPrimitives.Divide(x, y, dst); break;
            }
        }
        else
        {
            float v = _op switch { 0 => *a + *b, 1 => *a - *b, 2 => *a * *b, _ => *a / *b };
            dst.Fill(v);
        }
    }
}
