using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Graph;

/// <summary>A tensor given for a model input does not fit it (missing, unknown name, wrong type or shape).</summary>
public class InputMismatchException(string message) : EngineUserException(message);

/// <summary>Checks the tensors a caller supplies against the graph's declared inputs.</summary>
public static class InputBinding
{
    public static void Validate(ModelGraph graph, IReadOnlyDictionary<string, Tensor> inputs)
    {
        foreach (var name in inputs.Keys)
            if (graph.Inputs.All(i => i.Name != name))
                throw new InputMismatchException($"the model has no input '{name}' (inputs: {string.Join(", ", graph.Inputs.Select(i => i.Name))})");
        foreach (var input in graph.Inputs)
        {
            if (!inputs.TryGetValue(input.Name, out var tensor))
                throw new InputMismatchException($"input '{input.Name}' ({Describe(input)}) was not given");
            if (input.Type != DataType.Undefined && tensor.Type != input.Type)
                throw new InputMismatchException($"input '{input.Name}' must be {input.Type.Name()}, got {tensor.Type.Name()}");
            if (input.Shape is not { } shape) continue;
            bool fits = shape.Rank == tensor.Rank &&
                Enumerable.Range(0, shape.Rank).All(d => !shape[d].IsKnown || shape[d].Value == tensor.Shape[d]);
            if (!fits)
                throw new InputMismatchException($"input '{input.Name}' must have shape {shape}, got {Tensor.ShapeText(tensor.Shape)}");
        }
    }

    public static string Describe(Value input) => $"{input.Type.Name()}[{input.Shape?.ToString() ?? "?"}]";
}
