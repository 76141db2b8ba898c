using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// Recognizes LayerNormalization written out as
/// mean = ReduceMean(x); d = x - mean; var = ReduceMean(d ^ 2); y = d / Sqrt(var + eps) [* gamma] [+ beta]
/// over the trailing axes, as exporters emit it before opset 17.
/// </summary>
public sealed class LayerNormFusion : IGraphPass
{
    public string Name => "layernorm-fusion";

    public void Run(PassContext context)
    {
        var graph = context.Graph;
        foreach (var div in graph.Nodes.Where(n => GraphEdits.IsOp(n, "Div")).ToList())
        {
            if (!graph.Nodes.Contains(div)) continue;
            var d = div.Input(0)!;
            if (d.Producer is not { } sub || !GraphEdits.IsOp(sub, "Sub")) continue;
            var x = sub.Input(0)!;
            if (sub.Input(1)!.Producer is not { } mean || !IsReduceMeanOf(mean, x, out int axis) || GraphEdits.SingleConsumer(mean.Outputs[0]) != sub) continue;
            if (div.Input(1)!.Producer is not { } sqrt || !GraphEdits.IsOp(sqrt, "Sqrt")) continue;
            if (sqrt.Input(0)!.Producer is not { } addEps || !GraphEdits.IsOp(addEps, "Add")) continue;
            var (variance, eps) = ScalarOperand(addEps);
            if (variance?.Producer is not { } meanSq || !IsReduceMeanOf(meanSq, null, out int axis2) || axis2 != axis) continue;
            if (meanSq.Input(0)!.Producer is not { } pow || !GraphEdits.IsOp(pow, "Pow") || pow.Input(0) != d || !GraphEdits.Near(GraphEdits.ScalarOf(pow.Input(1)), 2f)) continue;
            if (d.Consumers.Count != 2 || d.IsGraphOutput || eps is null) continue;
            if (new[] { pow, meanSq, addEps, sqrt }.Any(n => GraphEdits.SingleConsumer(n.Outputs[0]) is null)) continue;

            var chain = new List<Node> { mean, sub, pow, meanSq, addEps, sqrt, div };
            var result = div.Outputs[0];
            var rank = x.Shape!.Rank;
            var normShape = x.Shape.Dims.Skip(axis).Select(s => s.IsKnown ? (int)s.Value!.Value : -1).ToArray();
            if (normShape.Any(s => s < 0)) continue;
            int size = normShape.Aggregate(1, (a, b) => a * b);
            Value? gamma = null, beta = null;
            if (GraphEdits.SingleConsumer(result) is { } mul && GraphEdits.IsOp(mul, "Mul") && GraphEdits.ConstantOf(GraphEdits.Other(mul, result)) is { } g && g.Length == size)
            {
                gamma = GraphEdits.Other(mul, result);
                chain.Add(mul);
                result = mul.Outputs[0];
                if (GraphEdits.SingleConsumer(result) is { } add && GraphEdits.IsOp(add, "Add") && GraphEdits.ConstantOf(GraphEdits.Other(add, result)) is { } b && b.Length == size)
                {
                    beta = GraphEdits.Other(add, result);
                    chain.Add(add);
                    result = add.Outputs[0];
                }
            }
            gamma ??= GraphEdits.NewInitializer(graph, $"{div.DisplayName}.gamma", Tensor.FromFloats(Enumerable.Repeat(1f, size).ToArray(), normShape));
            var ln = new Node(graph.UniqueValueName($"{div.DisplayName}_layernorm"), "LayerNormalization");
            ln.SetAttribute(NodeAttribute.Of("axis", (long)axis));
            ln.SetAttribute(NodeAttribute.Of("epsilon", eps.Value));
            ln.Inputs.Add(x);
            ln.Inputs.Add(gamma);
            if (beta is not null) ln.Inputs.Add(beta);
            ln.Outputs.Add(result);
            foreach (var n in chain) graph.RemoveNode(n);
            graph.AddNode(ln);
            context.Record("ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div chain -> LayerNormalization");
        }
    }

    /// <summary>ReduceMean with keepdims over the trailing axes [axis, rank); of <paramref name="input"/> when given.</summary>
    private static bool IsReduceMeanOf(Node node, Value? input, out int axis)
    {
        axis = -1;
        if (!GraphEdits.IsOp(node, "ReduceMean") || node.GetInt("keepdims", 1) == 0) return false;
        if (input is not null && node.Input(0) != input) return false;
        int rank = node.Input(0)!.Shape?.Rank ?? -1;
        if (rank < 1 || GraphEdits.ConstantOf(node.Input(1)) is not { } axesTensor) return false;
        var axes = axesTensor.ToLongs().Select(a => (int)(a < 0 ? a + rank : a)).Order().ToArray();
        if (axes.Length == 0 || axes[^1] != rank - 1 || axes.Select((a, i) => a - i).Distinct().Count() != 1) return false;
        axis = axes[0];
        return true;
    }

    private static (Value? Other, float? Scalar) ScalarOperand(Node add)
    {
        if (GraphEdits.ScalarOf(add.Input(1)) is float b) return (add.Input(0), b);
        if (GraphEdits.ScalarOf(add.Input(0)) is float a) return (add.Input(1), a);
        return (null, null);
    }
}
