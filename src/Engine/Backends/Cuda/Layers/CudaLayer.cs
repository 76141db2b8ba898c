using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cuda.Layers;

/// <summary>
/// A layer that enqueues kernels on the context's stream; the arena in the execution state is
/// device memory. Layers that never wait for the host can be captured into a CUDA Graph.
/// </summary>
internal abstract unsafe class CudaLayer(CudaBackend backend) : ICompiledLayer
{
    protected const int Threads = 256;

    protected CudaBackend Backend { get; } = backend;

    /// <summary>False when the layer synchronizes with the host (it cannot be part of a CUDA Graph).</summary>
    public virtual bool GraphSafe => true;

    /// <summary>Kernel modules this layer needs, so the backend compiles them before the first run.</summary>
    public abstract IEnumerable<KernelModule> Modules { get; }

    public abstract void Execute(in ExecutionState state);

    protected static ulong Address(in ExecutionState state, TensorSlot slot) => (ulong)state.Arena + (ulong)slot.Offset;

    protected static uint Blocks(long total, int threads = Threads) => (uint)Math.Max(1, (total + threads - 1) / threads);

    protected void Launch(nint function, uint gridX, uint gridY, uint gridZ, uint block, in ExecutionState state, void** args) =>
        Launch(function, gridX, gridY, gridZ, block, 0, state, args);

    /// <param name="sharedBytes">Dynamic shared memory per block (above 48 KiB the function's limit must have been raised).</param>
    protected void Launch(nint function, uint gridX, uint gridY, uint gridZ, uint block, uint sharedBytes, in ExecutionState state, void** args) =>
        Backend.Device.Check(Backend.Device.Driver.LaunchKernel(function, gridX, gridY, gridZ, block, 1, 1, sharedBytes, state.Stream, args, null), "cuLaunchKernel");
}

/// <summary>Reshape and friends: the output is the input's memory, nothing runs.</summary>
internal sealed class CudaViewLayer(CudaBackend backend) : CudaLayer(backend)
{
    public override IEnumerable<KernelModule> Modules => [];
    public override void Execute(in ExecutionState state) { }
}
