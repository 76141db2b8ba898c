using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Runtime;

/// <summary>
/// Runs an engine: owns one arena of activation memory (allocated once, 64-byte aligned) and a
/// worker pool. After the first run, <see cref="SetInput"/>, <see cref="Execute"/> and
/// <see cref="CopyOutput"/> allocate nothing on the managed heap. Not thread-safe: use one
/// context per thread or stream.
/// </summary>
public sealed unsafe class InferenceContext : IDisposable
{
    private readonly byte* _arena;
    private readonly WorkerPool _pool;
    private readonly long[] _layerTicks;
    private readonly IDeviceExecution? _device;
    private bool _disposed;

    internal InferenceContext(InferenceEngine engine, int threads)
    {
        Engine = engine;
        _pool = new WorkerPool(threads);
        if (engine.Backend is IDeviceBackend device)
        {
            _device = device.CreateExecution(engine);
            _arena = _device.HostArena;
        }
        else
        {
            long bytes = Math.Max(MemoryPlan.Alignment, engine.Plan.ArenaBytes);
            _arena = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, MemoryPlan.Alignment);
            NativeMemory.Clear(_arena, (nuint)bytes);
        }
        _layerTicks = new long[engine.Layers.Count];
    }

    public InferenceEngine Engine { get; }
    public int Threads => _pool.Threads;

    /// <summary>When on, <see cref="Execute"/> records each layer's time (<see cref="LayerTimes"/>).</summary>
    public bool Profiling { get; set; }

    /// <summary>Per layer, total time spent in it since the last <see cref="ResetProfile"/>.</summary>
    public IReadOnlyList<TimeSpan> LayerTimes => _layerTicks.Select(t => Stopwatch.GetElapsedTime(0, t)).ToList();

    public void ResetProfile() => Array.Clear(_layerTicks);

    public int InputIndex(string name)
    {
        for (int i = 0; i < Engine.Inputs.Count; i++) if (Engine.Inputs[i].Name == name) return i;
        throw new InputMismatchException($"the engine has no input '{name}' (inputs: {string.Join(", ", Engine.Inputs.Select(s => s.Name))})");
    }

    public int OutputIndex(string name)
    {
        for (int i = 0; i < Engine.Outputs.Count; i++) if (Engine.Outputs[i].Name == name) return i;
        throw new ArgumentException($"the engine has no output '{name}'");
    }

    /// <summary>Copies raw input bytes; the span must hold exactly the input's size.</summary>
    public void SetInput<T>(int index, ReadOnlySpan<T> data) where T : unmanaged
    {
        var slot = Engine.Inputs[index];
        var bytes = MemoryMarshal.AsBytes(data);
        if (bytes.Length != slot.Bytes)
            throw new InputMismatchException($"input '{slot.Name}' needs {slot.Bytes} bytes ({slot.Type.Name()}[{Tensor.ShapeText(slot.Shape)}]), got {bytes.Length}");
        bytes.CopyTo(new Span<byte>(_arena + slot.Offset, bytes.Length));
    }

    /// <summary>
    /// The input's memory in the arena, for producers that write it in place (camera
    /// pre-processing); valid until the context is disposed.
    /// </summary>
    public Span<T> Input<T>(int index) where T : unmanaged
    {
        var slot = Engine.Inputs[index];
        return new Span<T>(_arena + slot.Offset, (int)(slot.Bytes / sizeof(T)));
    }

    public void SetInput(string name, Tensor tensor)
    {
        int index = InputIndex(name);
        var slot = Engine.Inputs[index];
        if (tensor.Type != slot.Type || !tensor.Shape.AsSpan().SequenceEqual(slot.Shape))
            throw new InputMismatchException($"input '{name}' must be {slot.Type.Name()}[{Tensor.ShapeText(slot.Shape)}], got {tensor}");
        SetInput<byte>(index, TensorBytes.AsBytes(tensor));
    }

    /// <summary>Runs every layer once on the current inputs.</summary>
    public void Execute(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_device is not null)
        {
            _device.Execute(Profiling ? _layerTicks : null, cancellationToken);
            return;
        }
        var state = new ExecutionState(_arena, _pool);
        var layers = Engine.Layers;
        bool profiling = Profiling;
        for (int i = 0; i < layers.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long start = profiling ? Stopwatch.GetTimestamp() : 0;
            layers[i].Execute(in state);
            if (profiling) _layerTicks[i] += Stopwatch.GetTimestamp() - start;
        }
    }

    /// <summary>
    /// Runs every layer and calls <paramref name="afterLayer"/> with each layer's index while its
    /// outputs are still in the arena (read them with <see cref="Read"/>). For debugging tools:
    /// unlike <see cref="Execute"/>, the callback may allocate.
    /// </summary>
    public void ExecuteObserved(Action<int> afterLayer, CancellationToken cancellationToken = default)
    {
        if (_device is not null)
        {
            _device.ExecuteObserved(afterLayer, cancellationToken);
            return;
        }
        var state = new ExecutionState(_arena, _pool);
        for (int i = 0; i < Engine.Layers.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Engine.Layers[i].Execute(in state);
            afterLayer(i);
        }
    }

    /// <summary>A copy of a placed tensor's current contents.</summary>
    public Tensor Read(TensorSlot slot)
    {
        if (slot.Constant is { } constant) return constant;
        var tensor = Tensor.Zeros(slot.Type, slot.Shape);
        new ReadOnlySpan<byte>(_arena + slot.Offset, (int)slot.Bytes).CopyTo(TensorBytes.AsBytes(tensor));
        return tensor;
    }

    /// <summary>The output's bytes in the arena, valid until the next <see cref="Execute"/>.</summary>
    public ReadOnlySpan<T> Output<T>(int index) where T : unmanaged
    {
        var slot = Engine.Outputs[index];
        if (slot.IsConstant) return MemoryMarshal.Cast<byte, T>(TensorBytes.AsBytes(slot.Constant!));
        return new ReadOnlySpan<T>(_arena + slot.Offset, (int)(slot.Bytes / sizeof(T)));
    }

    public void CopyOutput<T>(int index, Span<T> destination) where T : unmanaged => Output<T>(index).CopyTo(destination);

    /// <summary>Sets all inputs, runs, and returns fresh output tensors (allocates; for tools and tests).</summary>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs, CancellationToken cancellationToken = default)
    {
        InputBinding.Validate(Engine.Model.Graph, inputs);
        foreach (var (name, tensor) in inputs) SetInput(name, tensor);
        Execute(cancellationToken);
        var result = new Dictionary<string, Tensor>();
        for (int i = 0; i < Engine.Outputs.Count; i++)
        {
            var slot = Engine.Outputs[i];
            var tensor = Tensor.Zeros(slot.Type, slot.Shape);
            var bytes = slot.IsConstant ? TensorBytes.AsBytes(slot.Constant!) : new ReadOnlySpan<byte>(_arena + slot.Offset, (int)slot.Bytes);
            bytes.CopyTo(TensorBytes.AsBytes(tensor));
            result[slot.Name] = tensor;
        }
        return result;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _pool.Dispose();
        if (_device is not null) _device.Dispose();
        else NativeMemory.AlignedFree(_arena);
    }
}
