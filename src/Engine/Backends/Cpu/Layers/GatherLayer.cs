using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>
/// Gather with constant indices from an activation: for each of the outer rows, the chosen slices
/// along the axis are copied whole (an attention block's Q/K/V split, a class token's features).
/// </summary>
internal sealed unsafe class GatherLayer : ICompiledLayer
{
    private readonly long _input, _output, _outer, _sliceBytes, _inputRowBytes;
    private readonly long[] _indices;

    /// <summary>Whether this layer runs the node: data from the arena, indices a constant integer tensor in range.</summary>
    public static bool CanCompile(LayerSpec spec)
    {
        if (spec.Input(0).IsConstant || spec.Input(1).Constant is not { Type: DataType.Int64 or DataType.Int32 } indices) return false;
        int rank = spec.Input(0).Shape.Length, axis = Axis(spec);
        if (axis < 0 || axis >= rank) return false;
        long dim = spec.Input(0).Shape[axis];
        return Indices(indices).All(i => i >= -dim && i < dim);
    }

    private static int Axis(LayerSpec spec)
    {
        int axis = (int)spec.Node.GetInt("axis", 0);
        return axis < 0 ? axis + spec.Input(0).Shape.Length : axis;
    }

    private static long[] Indices(Tensor t) => t.Type == DataType.Int64 ? (long[])t.Data : [.. ((int[])t.Data).Select(i => (long)i)];

    public GatherLayer(LayerSpec spec)
    {
        var x = spec.Input(0);
        int axis = Axis(spec);
        long dim = x.Shape[axis];
        _sliceBytes = x.Shape.Skip(axis + 1).Aggregate(1L, (a, d) => a * d) * DataTypeInfo.SizeOf(x.Type);
        _outer = x.Shape.Take(axis).Aggregate(1L, (a, d) => a * d);
        _inputRowBytes = dim * _sliceBytes;
        _indices = [.. Indices(spec.Input(1).Constant!).Select(i => i < 0 ? i + dim : i)];
        _input = x.Offset;
        _output = spec.Output(0).Offset;
    }

    public void Execute(in ExecutionState state)
    {
        byte* src = state.Arena + _input, dst = state.Arena + _output;
        for (long o = 0; o < _outer; o++)
            foreach (long index in _indices)
            {
                Buffer.MemoryCopy(src + o * _inputRowBytes + index * _sliceBytes, dst, _sliceBytes, _sliceBytes);
                dst += _sliceBytes;
            }
    }
}
