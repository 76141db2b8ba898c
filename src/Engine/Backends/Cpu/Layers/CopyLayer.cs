using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>
/// Reshape, Flatten, Squeeze, Unsqueeze, Identity and Dropout: the output is the input's bytes.
/// The memory plan normally gives both the same place, making this free; otherwise it copies.
/// </summary>
internal sealed unsafe class CopyLayer(LayerSpec spec) : ICompiledLayer
{
    private readonly TensorSlot _input = spec.Input(0);
    private readonly TensorSlot _output = spec.Output(0);

    public void Execute(in ExecutionState state)
    {
        byte* dst = state.Arena + _output.Offset;
        if (_input.Constant is { } constant)
        {
            ReadOnlySpan<byte> bytes = TensorBytes.AsBytes(constant);
            bytes.CopyTo(new Span<byte>(dst, bytes.Length));
            return;
        }
        byte* src = state.Arena + _input.Offset;
        if (src != dst) Buffer.MemoryCopy(src, dst, _output.Bytes, _output.Bytes);
    }
}
