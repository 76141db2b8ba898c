using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>
/// Gather with constant indices from an activation (<see cref="ConstantGather"/>): for each of the
/// outer rows, each run of consecutive chosen slices along the axis is copied whole.
/// </summary>
internal sealed unsafe class GatherLayer : ICompiledLayer
{
    private readonly long _input, _output, _outer, _sliceBytes, _inputRowBytes, _outputRowBytes;
    private readonly (long Source, long Count, long Destination)[] _runs;

    /// <summary>Whether this layer runs the node: data from the arena, indices a constant integer tensor in range.</summary>
    public static bool CanCompile(LayerSpec spec) => ConstantGather.Of(spec) is not null;

    public GatherLayer(LayerSpec spec)
    {
        var g = ConstantGather.Of(spec) ?? throw new InvalidOperationException($"{spec.Node.Describe()} is not a gather by constant indices");
        _sliceBytes = g.Inner * DataTypeInfo.SizeOf(spec.Input(0).Type);
        _outer = g.Outer;
        _inputRowBytes = g.Dim * _sliceBytes;
        _outputRowBytes = g.Indices.Length * _sliceBytes;
        _runs = [.. g.Runs()];
        _input = spec.Input(0).Offset;
        _output = spec.Output(0).Offset;
    }

    public void Execute(in ExecutionState state)
    {
        byte* src = state.Arena + _input, dst = state.Arena + _output;
        for (long o = 0; o < _outer; o++)
            foreach (var (source, count, destination) in _runs)
            {
                long bytes = count * _sliceBytes;
                Buffer.MemoryCopy(src + o * _inputRowBytes + source * _sliceBytes, dst + o * _outputRowBytes + destination * _sliceBytes, bytes, bytes);
            }
    }
}
