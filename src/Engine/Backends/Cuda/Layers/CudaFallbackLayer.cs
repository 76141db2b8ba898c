using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Cuda.Layers;

/// <summary>
/// An op with no GPU kernel runs through its reference kernel on the host: wait for the stream,
/// copy the inputs down, compute, copy the outputs up. Correct for every op and type but slow
/// and not capturable in a CUDA Graph; engine build summaries list such layers.
/// </summary>
internal sealed unsafe class CudaFallbackLayer(CudaBackend backend, LayerSpec spec) : CudaLayer(backend)
{
    private readonly ReferenceKernel _kernel = ReferenceKernels.TryGet(spec.Node.OpType, out var k) ? k
        : throw new InvalidOperationException($"no reference kernel for {spec.Node.OpType}");

    public override bool GraphSafe => false;
    public override IEnumerable<KernelModule> Modules => [];

    public override void Execute(in ExecutionState state)
    {
        var device = Backend.Device;
        device.Synchronize(state.Stream);
        var inputs = new Tensor?[spec.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (spec.Inputs[i] is not { } slot) continue;
            inputs[i] = slot.Constant ?? Backend.Download(Address(state, slot), slot);
        }
        var outputs = _kernel(spec.Node, inputs);
        for (int i = 0; i < spec.Outputs.Count; i++) Backend.UploadInto(Address(state, spec.Outputs[i]), spec.Outputs[i], outputs[i]);
    }
}
