using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// Turns everything computable at build time into initializers: Constant nodes, nodes whose
/// inputs are all constant (Shape/Gather/Slice/Concat/Cast chains, weight transposes), and
/// Shape of a value whose shape is fully known.
/// </summary>
public sealed class ConstantFolding : IGraphPass
{
    /// <summary>Results larger than this stay computed at run time rather than stored in the engine.</summary>
    public const int MaxFoldedElements = 1 << 24;

    public string Name => "constant-folding";

    public void Run(PassContext context)
    {
        var graph = context.Graph;
        foreach (var node in graph.TopologicalOrder())
        {
            Tensor[]? results = null;
            string pattern;
            if (node.OpType == "Constant")
            {
                results = [node.Attribute("value")!.Tensor!];
                pattern = "Constant node -> initializer";
            }
            else if (node.OpType == "Shape" && node.Input(0)?.Shape is { IsStatic: true } shape)
            {
                results = [ShapeOf(node, shape.ToInts())];
                pattern = "Shape of a static shape";
            }
            else if (node.Inputs.Count > 0 && node.Inputs.All(i => i is null || GraphEdits.ConstantOf(i) is not null) &&
                     node.Outputs.All(o => o.Shape?.ElementCount is long n && n <= MaxFoldedElements))
            {
                results = context.Evaluator.TryEvaluate(node, node.Inputs.Select(i => GraphEdits.ConstantOf(i)).ToList());
                pattern = $"{node.OpType} on constants";
            }
            else continue;
            if (results is null) continue;

            graph.RemoveNode(node);
            for (int i = 0; i < node.Outputs.Count; i++)
            {
                var value = node.Outputs[i];
                graph.AddInitializer(value.Name, results[i]);
            }
            context.Record(pattern);
        }
    }

    private static Tensor ShapeOf(Node node, int[] dims)
    {
        int rank = dims.Length;
        long start = node.GetInt("start", 0), end = node.GetInt("end", rank);
        int s = (int)Math.Clamp(start < 0 ? start + rank : start, 0, rank);
        int e = (int)Math.Clamp(end < 0 ? end + rank : end, 0, rank);
        var values = dims.Skip(s).Take(Math.Max(0, e - s)).Select(d => (long)d).ToArray();
        return Tensor.FromLongs(values, values.Length);
    }
}
