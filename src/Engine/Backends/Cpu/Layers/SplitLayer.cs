using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>Split: copies each block of the input along the axis into its output.</summary>
internal sealed unsafe class SplitLayer : ICompiledLayer
{
    private readonly long _input;
    private readonly (long Offset, long BlockBytes, long SourceOffset)[] _parts;
    private readonly long _outer, _inputBlockBytes;

    public SplitLayer(LayerSpec spec)
    {
        var x = spec.Input(0);
        int rank = x.Shape.Length;
        int axis = (int)spec.Node.GetInt("axis", 0);
        if (axis < 0) axis += rank;
        long inner = x.Shape.Skip(axis + 1).Aggregate(1L, (a, d) => a * d) * Tensors.DataTypeInfo.SizeOf(x.Type);
        _outer = x.Shape.Take(axis).Aggregate(1L, (a, d) => a * d);
        _inputBlockBytes = x.Shape[axis] * inner;
        _input = x.Offset;
        long source = 0;
        _parts = spec.Outputs.Select(o =>
        {
            long block = o.Shape[axis] * inner;
            var part = (o.Offset, block, source);
            source += block;
            return part;
        }).ToArray();
    }

    public void Execute(in ExecutionState state)
    {
        foreach (var (offset, block, source) in _parts)
            for (long o = 0; o < _outer; o++)
                Buffer.MemoryCopy(state.Arena + _input + o * _inputBlockBytes + source, state.Arena + offset + o * block, block, block);
    }
}
