using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Passes;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Oracle;
using Google.Protobuf;

namespace EdgeAgent.Engine.Tests.Passes;

/// <summary>Optimizes a model and checks, on the reference executor, that its outputs did not change.</summary>
public static class OptimizerHarness
{
    public static Model Load(byte[] onnx, IReadOnlyDictionary<string, int[]> shapes)
    {
        var model = OnnxImporter.FromBytes(onnx, null, "test");
        ShapeInference.Run(model, shapes.ToDictionary(s => s.Key, s => TensorShape.Of(s.Value)), new ReferenceConstantEvaluator());
        return model;
    }

    public static Dictionary<string, Tensor> RandomInputs(Model model, Random random) =>
        model.Graph.Inputs.ToDictionary(i => i.Name, i => TestModels.RandomTensor(random, i.Shape!.ToInts()));

    /// <summary>
    /// Runs the unoptimized model, optimizes a fresh copy with <paramref name="passes"/> (all by
    /// default), runs it again on the same inputs and asserts the outputs agree.
    /// </summary>
    public static (Model Optimized, OptimizationReport Report) OptimizeAndCompare(
        byte[] onnx, IReadOnlyDictionary<string, int[]> shapes, Random random, double tolerance = 1e-5,
        IReadOnlyList<IGraphPass>? passes = null, Dictionary<string, Tensor>? inputs = null)
    {
        var original = Load(onnx, shapes);
        inputs ??= RandomInputs(original, random);
        var expected = new ReferenceExecutor(original).Run(inputs);
        var optimized = Load(onnx, shapes);
        var report = new GraphOptimizer(new ReferenceConstantEvaluator(), passes).Optimize(optimized);
        var actual = new ReferenceExecutor(optimized).Run(inputs);
        foreach (var (name, tensor) in expected)
            TensorAssert.AssertClose(tensor, actual[name], tolerance, $"optimized output '{name}'");
        return (optimized, report);
    }

    public static (Model Optimized, OptimizationReport Report) OptimizeAndCompare(
        OnnxModelBuilder builder, Random random, IReadOnlyList<IGraphPass>? passes = null)
    {
        var proto = builder.Build();
        var shapes = proto.Graph.Input.ToDictionary(i => i.Name,
            i => i.Type.TensorType.Shape.Dim.Select(d => (int)d.DimValue).ToArray());
        return OptimizeAndCompare(proto.ToByteArray(), shapes, random, 1e-5, passes);
    }

    public static Dictionary<string, int> Ops(Model model) => GraphOptimizer.OpCounts(model.Graph);
}
