using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>
/// Concat: copies each input block into its slice of the output. Inputs the memory plan already
/// placed in their slice (concat planning) are skipped, so a fully planned Concat costs nothing.
/// </summary>
internal sealed unsafe class ConcatLayer : ICompiledLayer
{
    private readonly (long Offset, byte[]? Constant, long BlockBytes, long DestinationOffset)[] _parts;
    private readonly long _output;
    private readonly long _outer, _outputBlockBytes;

    public ConcatLayer(LayerSpec spec)
    {
        var output = spec.Output(0);
        int rank = output.Shape.Length;
        int axis = (int)spec.Node.GetInt("axis", 0);
        if (axis < 0) axis += rank;
        int elementSize = Tensors.DataTypeInfo.SizeOf(output.Type);
        long inner = output.Shape.Skip(axis + 1).Aggregate(1L, (a, d) => a * d) * elementSize;
        _outer = output.Shape.Take(axis).Aggregate(1L, (a, d) => a * d);
        _outputBlockBytes = output.Shape[axis] * inner;
        _output = output.Offset;
        long destination = 0;
        var parts = new List<(long, byte[]?, long, long)>();
        for (int i = 0; i < spec.Inputs.Count; i++)
        {
            var input = spec.Input(i);
            long block = input.Shape[axis] * inner;
            byte[]? constant = input.Constant is { } c ? Tensors.TensorBytes.AsBytes(c).ToArray() : null;
            parts.Add((input.Offset, constant, block, destination));
            destination += block;
        }
        _parts = parts.ToArray();
    }

    public void Execute(in ExecutionState state)
    {
        byte* output = state.Arena + _output;
        foreach (var (offset, constant, block, destination) in _parts)
        {
            for (long o = 0; o < _outer; o++)
            {
                byte* dst = output + o * _outputBlockBytes + destination;
                if (constant is not null)
                {
                    fixed (byte* src = constant) Buffer.MemoryCopy(src + o * block, dst, block, block);
                    continue;
                }
                byte* from = state.Arena + offset + o * block;
                if (from != dst) Buffer.MemoryCopy(from, dst, block, block);
            }
        }
    }
}
