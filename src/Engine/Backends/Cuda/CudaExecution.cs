using System.Diagnostics;
using EdgeAgent.Engine.Backends.Cuda.Layers;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Cuda;

/// <summary>
/// One execution context's GPU side: the arena in device memory, a stream, pinned host memory
/// laid out like the arena for inputs and outputs, and — once the first run has shown every
/// layer can be captured — the whole inference (uploads, conversions, layers, downloads) as one
/// CUDA Graph replayed per run, which removes per-kernel launch cost at batch 1.
/// </summary>
internal sealed unsafe class CudaExecution : IDeviceExecution
{
    private readonly CudaBackend _backend;
    private readonly InferenceEngine _engine;
    private readonly CudaDevice _device;
    private readonly DeviceBuffer _arena;
    private readonly nint _stream;
    private readonly byte* _host;
    private readonly (TensorSlot Slot, DeviceBuffer? Staging)[] _inputs, _outputs;
    private readonly bool _graphSafe;
    private readonly nint _toStorage, _fromStorage;
    private nint _graph;
    private nint[]? _events;
    private bool _disposed;

    public CudaExecution(CudaBackend backend, InferenceEngine engine)
    {
        _backend = backend;
        _engine = engine;
        _device = backend.Device;
        _device.Bind();
        long bytes = Math.Max(MemoryPlan.Alignment, engine.Plan.ArenaBytes);
        _arena = _device.Allocate(bytes);
        _stream = _device.CreateStream();
        void* host;
        _device.Check(_device.Driver.MemHostAlloc(&host, (nuint)bytes, 0), $"cuMemHostAlloc({bytes} bytes)");
        _host = (byte*)host;
        new Span<byte>(_host, (int)Math.Min(bytes, int.MaxValue)).Clear();
        _inputs = engine.Inputs.Where(s => !s.IsConstant).Select(s => (s, Staging(s))).ToArray();
        _outputs = engine.Outputs.Where(s => !s.IsConstant).Select(s => (s, Staging(s))).ToArray();
        _graphSafe = engine.Layers.All(l => l is CudaLayer { GraphSafe: true });
        var module = backend.Module("elementwise");
        _toStorage = backend.Kernels.Function(module, "float_to_storage");
        _fromStorage = backend.Kernels.Function(module, "storage_to_float");
    }

    /// <summary>Float inputs and outputs of fp16 engines pass through a float buffer and a conversion kernel.</summary>
    private DeviceBuffer? Staging(TensorSlot slot) => _backend.StorageSize(slot) != slot.Type.SizeOf() ? _device.Allocate(slot.Bytes) : null;

    public byte* HostArena => _host;

    /// <summary>Whether runs replay a captured CUDA Graph (false when a layer needs the host).</summary>
    public bool UsesGraph => _graphSafe;

    private ExecutionState State => new((byte*)_arena.Pointer, null!, _stream);

    public void Execute(long[]? layerTicks, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        _device.Bind();
        if (layerTicks is null && _graphSafe)
        {
            if (_graph == 0) Capture();
            _device.Check(_device.Driver.GraphLaunch(_graph, _stream), "cuGraphLaunch");
            _device.Synchronize(_stream);
            return;
        }
        Upload();
        var state = State;
        var layers = _engine.Layers;
        if (layerTicks is not null)
        {
            _events ??= Enumerable.Range(0, layers.Count + 1).Select(_ => _device.CreateEvent()).ToArray();
            _device.Check(_device.Driver.EventRecord(_events[0], _stream), "cuEventRecord");
        }
        for (int i = 0; i < layers.Count; i++)
        {
            layers[i].Execute(in state);
            if (layerTicks is not null) _device.Check(_device.Driver.EventRecord(_events![i + 1], _stream), "cuEventRecord");
        }
        Download();
        _device.Synchronize(_stream);
        if (layerTicks is not null)
            for (int i = 0; i < layers.Count; i++)
                layerTicks[i] += (long)(_device.ElapsedMs(_events![i], _events[i + 1]) * Stopwatch.Frequency / 1000.0);
    }

    public void ExecuteObserved(Action<int> afterLayer, CancellationToken cancellationToken)
    {
        _device.Bind();
        Upload();
        var state = State;
        for (int i = 0; i < _engine.Layers.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _engine.Layers[i].Execute(in state);
            _device.Synchronize(_stream);
            foreach (var slot in _engine.Specs[i].Outputs)
            {
                var tensor = _backend.Download((ulong)_arena.Pointer + (ulong)slot.Offset, slot);
                TensorBytes.AsBytes(tensor).CopyTo(new Span<byte>(_host + slot.Offset, (int)slot.Bytes));
            }
            _device.Synchronize(_stream);
            afterLayer(i);
        }
        Download();
        _device.Synchronize(_stream);
    }

    /// <summary>Records one full run on the stream into a graph and instantiates it.</summary>
    private void Capture()
    {
        _device.Check(_device.Driver.StreamBeginCapture(_stream, 1 /* CU_STREAM_CAPTURE_MODE_THREAD_LOCAL */), "cuStreamBeginCapture");
        nint graph = 0;
        try
        {
            Upload();
            var state = State;
            foreach (var layer in _engine.Layers) layer.Execute(in state);
            Download();
        }
        finally
        {
            int code = _device.Driver.StreamEndCapture(_stream, &graph);
            if (code != 0 && graph == 0) _device.Check(code, "cuStreamEndCapture");
        }
        try
        {
            nint exec;
            _device.Check(_device.Driver.GraphInstantiate(&exec, graph, 0), "cuGraphInstantiateWithFlags");
            _graph = exec;
        }
        finally { _device.Driver.GraphDestroy(graph); }
    }

    private void Upload()
    {
        ulong arena = _arena.Pointer;
        foreach (var (slot, staging) in _inputs)
        {
            ulong target = arena + (ulong)slot.Offset;
            ulong first = staging?.Pointer ?? target;
            _device.Check(_device.Driver.MemcpyHtoDAsync(first, _host + slot.Offset, (nuint)slot.Bytes, _stream), "cuMemcpyHtoDAsync");
            if (staging is not null) Convert(_toStorage, staging.Pointer, target, slot.ElementCount);
        }
    }

    private void Download()
    {
        ulong arena = _arena.Pointer;
        foreach (var (slot, staging) in _outputs)
        {
            ulong source = arena + (ulong)slot.Offset;
            if (staging is not null) Convert(_fromStorage, source, staging.Pointer, slot.ElementCount);
            _device.Check(_device.Driver.MemcpyDtoHAsync(_host + slot.Offset, staging?.Pointer ?? source, (nuint)slot.Bytes, _stream), "cuMemcpyDtoHAsync");
        }
    }

    private void Convert(nint function, ulong source, ulong destination, long count)
    {
        void** args = stackalloc void*[] { &source, &destination, &count };
        _device.Check(_device.Driver.LaunchKernel(function, (uint)((count + 255) / 256), 1, 1, 256, 1, 1, 0, _stream, args, null), "cuLaunchKernel");
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _device.Bind();
        _device.Synchronize(_stream);
        if (_graph != 0) _device.Driver.GraphExecDestroy(_graph);
        if (_events is not null) foreach (var e in _events) _device.DestroyEvent(e);
        foreach (var (_, staging) in _inputs) staging?.Dispose();
        foreach (var (_, staging) in _outputs) staging?.Dispose();
        _device.Driver.MemFreeHost(_host);
        _device.DestroyStream(_stream);
        _arena.Dispose();
    }
}
