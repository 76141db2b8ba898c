using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>
/// Runs an op the CPU backend has no fast kernel for through its reference kernel: copies the
/// inputs out of the arena, computes, copies the outputs back. Correct for every op and type,
/// but it allocates, so hot models should not need it (engine build summaries list such layers).
/// </summary>
internal sealed unsafe class FallbackLayer(LayerSpec spec) : ICompiledLayer
{
    private readonly ReferenceKernel _kernel = ReferenceKernels.TryGet(spec.Node.OpType, out var k) ? k
        : throw new InvalidOperationException($"no reference kernel for {spec.Node.OpType}");

    public void Execute(in ExecutionState state)
    {
        var inputs = new Tensor?[spec.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (spec.Inputs[i] is not { } slot) continue;
            if (slot.Constant is not null) { inputs[i] = slot.Constant; continue; }
            var tensor = Tensor.Zeros(slot.Type, slot.Shape);
            new ReadOnlySpan<byte>(state.Arena + slot.Offset, (int)slot.Bytes).CopyTo(TensorBytes.AsBytes(tensor));
            inputs[i] = tensor;
        }
        var outputs = _kernel(spec.Node, inputs);
        for (int i = 0; i < spec.Outputs.Count; i++)
        {
            var slot = spec.Outputs[i];
            TensorBytes.AsBytes(outputs[i]).CopyTo(new Span<byte>(state.Arena + slot.Offset, (int)slot.Bytes));
        }
    }
}
