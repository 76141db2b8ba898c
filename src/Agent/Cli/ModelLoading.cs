using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;

namespace EdgeAgent.Agent.Cli;

/// <summary>Loads an ONNX model and infers its shapes for the given input shapes.</summary>
public static class ModelLoading
{
    public static Model Load(string path, IReadOnlyDictionary<string, TensorShape>? inputShapes = null)
    {
        var model = OnnxImporter.Load(path);
        ShapeInference.Run(model, inputShapes, new ReferenceConstantEvaluator());
        return model;
    }
}
