using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>
/// Transpose of 4-byte elements: axes that stay adjacent and in order are merged at compile
/// time, then each output row (the last output axis) is gathered with a constant source stride,
/// rows split across threads.
/// </summary>
internal sealed unsafe class TransposeLayer : ICompiledLayer
{
    private readonly long _input, _output;
    private readonly int[] _outDims;     // merged output dims
    private readonly long[] _srcStrides; // source stride (elements) of each merged output axis
    private readonly int _rows, _rowLength;

    public static bool CanCompile(LayerSpec spec) => Tensors.DataTypeInfo.SizeOf(spec.Input(0).Type) == 4 && spec.Input(0).Constant is null;

    public TransposeLayer(LayerSpec spec)
    {
        var x = spec.Input(0);
        int rank = x.Shape.Length;
        var perm = LayoutShapes.ResolvePerm(spec.Node, rank);
        var inStrides = new long[rank];
        for (long s = 1, i = rank - 1; i >= 0; s *= x.Shape[i], i--) inStrides[i] = s;
        var dims = new List<int>();
        var strides = new List<long>();
        for (int i = 0; i < rank; i++)
        {
            int size = x.Shape[perm[i]];
            if (size == 1) continue;
            long stride = inStrides[perm[i]];
            // Merge with the previous output axis when it steps exactly over this one in the source.
            if (dims.Count > 0 && strides[^1] == stride * size)
            {
                dims[^1] *= size;
                strides[^1] = stride;
                continue;
            }
            dims.Add(size);
            strides.Add(stride);
        }
        if (dims.Count == 0) { dims.Add(1); strides.Add(1); }
        _outDims = dims.ToArray();
        _srcStrides = strides.ToArray();
        _rowLength = _outDims[^1];
        _rows = (int)(spec.Output(0).ElementCount / _rowLength);
        _input = x.Offset;
        _output = spec.Output(0).Offset;
    }

    private struct Args
    {
        public float* Src, Dst;
        public TransposeLayer Layer;
        public int RowsPerJob;
    }

    public void Execute(in ExecutionState state)
    {
        var args = new Args { Src = (float*)(state.Arena + _input), Dst = (float*)(state.Arena + _output), Layer = this, RowsPerJob = Math.Max(1, 16384 / _rowLength) };
#pragma warning disable CS8500 // the stack slot keeps the layer reference alive while Run blocks
        state.Pool.Run((_rows + args.RowsPerJob - 1) / args.RowsPerJob, &Body, (nint)(&args));
    }

    private static void Body(nint state, int job)
    {
        var a = (Args*)state;
#pragma warning restore CS8500
        var l = a->Layer;
        int last = Math.Min(l._rows, (job + 1) * a->RowsPerJob);
        long step = l._srcStrides[^1];
        for (int row = job * a->RowsPerJob; row < last; row++)
        {
            long source = 0;
            int rest = row;
            for (int d = l._outDims.Length - 2; d >= 0; d--)
            {
                source += rest % l._outDims[d] * l._srcStrides[d];
                rest /= l._outDims[d];
            }
            float* src = a->Src + source, dst = a->Dst + (long)row * l._rowLength;
            if (step == 1) Buffer.MemoryCopy(src, dst, l._rowLength * 4L, l._rowLength * 4L);
            else for (int i = 0; i < l._rowLength; i++) dst[i] = src[i * step];
        }
    }
}
