using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Passes;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Build;

/// <summary>Turns a model into an engine for one backend: infer shapes, optimize, choose tactics, plan memory, compile.</summary>
public static class EngineBuilder
{
    /// <param name="inputShapes">Shapes for inputs with dynamic dimensions (an engine's shapes are static).</param>
    public static (InferenceEngine Engine, OptimizationReport? Report) Build(string modelPath, BuilderConfig config,
        IReadOnlyDictionary<string, TensorShape>? inputShapes = null, CancellationToken cancellationToken = default) =>
        Build(OnnxImporter.Load(modelPath), config, inputShapes, cancellationToken);

    public static (InferenceEngine Engine, OptimizationReport? Report) Build(Model model, BuilderConfig config,
        IReadOnlyDictionary<string, TensorShape>? inputShapes = null, CancellationToken cancellationToken = default)
    {
        var evaluator = new ReferenceConstantEvaluator();
        ShapeInference.Run(model, inputShapes, evaluator);
        var report = config.Optimize ? new GraphOptimizer(evaluator).Optimize(model, cancellationToken) : null;
        return (InferenceEngine.Compile(model, config.Backend, config.TacticSelector, cancellationToken), report);
    }
}
