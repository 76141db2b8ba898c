using EdgeAgent.Engine.Backends.Cpu;
using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Quantization;

/// <summary>
/// Runs the optimized float graph as an FP32 CPU engine (default tactics, no timing) and lets
/// calibration and the sensitivity pass see every layer's tensors while they are in the arena.
/// The CPU engine is tested against the reference and is one to two orders of magnitude faster
/// than it, which is what makes calibrating a detector on hundreds of images practical.
/// </summary>
public sealed class FloatEngineObserver : IDisposable
{
    private readonly InferenceContext _context;

    public FloatEngineObserver(Model optimized)
    {
        var copy = OnnxImporter.FromBytes(OnnxExporter.ToBytes(optimized), null, optimized.Graph.Name);
        ShapeInference.Run(copy, null, new ReferenceConstantEvaluator());
        Engine = InferenceEngine.Compile(copy, new CpuBackend());
        _context = Engine.CreateContext();
    }

    public InferenceEngine Engine { get; }

    /// <summary>Sets the inputs and runs, calling <paramref name="afterLayer"/> after each layer with its index and the context to read from.</summary>
    public void Run(IReadOnlyDictionary<string, Tensor> inputs, Action<int, InferenceContext> afterLayer, CancellationToken cancellationToken)
    {
        foreach (var (name, tensor) in inputs) _context.SetInput(name, tensor);
        _context.ExecuteObserved(i => afterLayer(i, _context), cancellationToken);
    }

    /// <summary>The <see cref="ActivationObserver"/> calibration takes: every float tensor a layer writes.</summary>
    public void Observe(IReadOnlyDictionary<string, Tensor> inputs, Action<string, float[]> observe, CancellationToken cancellationToken) =>
        Run(inputs, (i, context) =>
        {
            foreach (var slot in Engine.Specs[i].Outputs)
                if (slot.Type == DataType.Float32) observe(slot.Name, context.Read(slot).Floats);
        }, cancellationToken);

    public void Dispose() => _context.Dispose();
}
