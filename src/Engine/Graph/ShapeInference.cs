using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Graph;

/// <summary>
/// Fills in every value's element type and shape, walking the graph in topological order.
/// Small computations on constants are evaluated outright (when an evaluator is given); on
/// symbolic shapes, the contents of small integer tensors are tracked as dimensions so the
/// Shape → Gather → Concat → Reshape chains exporters emit give symbolic output shapes.
/// </summary>
public static class ShapeInference
{
    /// <summary>Largest constant input (elements) that is folded while inferring.</summary>
    private const int MaxFoldElements = 1 << 16;

    /// <param name="inputShapes">Concrete or narrower shapes for graph inputs, by name.</param>
    public static void Run(Model model, IReadOnlyDictionary<string, TensorShape>? inputShapes = null,
        IConstantEvaluator? evaluator = null)
    {
        var graph = model.Graph;
        OpSchemas.ThrowIfUnsupported(graph);
        ApplyInputShapes(graph, inputShapes);

        foreach (var node in graph.TopologicalOrder())
        {
            foreach (var input in node.Inputs)
                if (input is not null && input.Producer is null && !input.IsInitializer && !input.IsGraphInput)
                    throw new GraphValidationException($"{node.Describe()} reads '{input.Name}', which no node, input or initializer defines");

            if (evaluator is not null && TryFold(node, evaluator)) continue;
            var context = new ShapeContext(node);
            OpSchemas.Get(node.OpType).InferShape(context);
            foreach (var output in node.Outputs)
                if (output.Type == DataType.Undefined)
                    throw new ShapeInferenceException($"{node.Describe()}: could not infer the type of output '{output.Name}'");
        }
    }

    private static void ApplyInputShapes(ModelGraph graph, IReadOnlyDictionary<string, TensorShape>? inputShapes)
    {
        if (inputShapes is null) return;
        foreach (var (name, shape) in inputShapes)
        {
            var input = graph.Inputs.FirstOrDefault(i => i.Name == name)
                ?? throw new ShapeInferenceException($"the model has no input '{name}' (inputs: {string.Join(", ", graph.Inputs.Select(i => i.Name))})");
            if (input.Shape is { } declared)
            {
                if (declared.Rank != shape.Rank)
                    throw new ShapeInferenceException($"input '{name}' has rank {declared.Rank} ({declared}), but shape {shape} was given");
                for (int i = 0; i < shape.Rank; i++)
                    if (declared[i].IsKnown && !declared[i].SameAs(shape[i]))
                        throw new ShapeInferenceException($"input '{name}' has shape {declared}; dimension {i} must be {declared[i]}, but shape {shape} was given");
            }
            input.Shape = shape;
        }
    }

    private static bool TryFold(Node node, IConstantEvaluator evaluator)
    {
        if (node.Inputs.Count == 0 && node.OpType != "Constant") return false;
        var inputs = new Tensor?[node.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            var v = node.Inputs[i];
            if (v is null) continue;
            if (v.Constant is null || v.Constant.Length > MaxFoldElements) return false;
            inputs[i] = v.Constant;
        }
        var outputs = evaluator.TryEvaluate(node, inputs);
        if (outputs is null) return false;
        for (int i = 0; i < node.Outputs.Count && i < outputs.Length; i++)
        {
            var value = node.Outputs[i];
            value.Constant = outputs[i];
            value.Type = outputs[i].Type;
            value.Shape = TensorShape.Of(outputs[i].Shape);
            value.SymbolicData = outputs[i].Type.IsInteger() && outputs[i].Length <= ShapeContext.MaxSymbolicElements
                ? outputs[i].ToLongs().Select(x => Dim.Known(x)).ToArray()
                : null;
        }
        return true;
    }
}
