using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// Removes data movement that undoes itself: two Transposes in a row become one (or none when
/// they cancel), a Reshape of a Reshape reads the original tensor, and a Reshape to the shape
/// its input already has disappears.
/// </summary>
public sealed class TransposeReshapeCancellation : IGraphPass
{
    public string Name => "transpose-reshape-cancellation";

    public void Run(PassContext context)
    {
        var graph = context.Graph;
        foreach (var node in graph.TopologicalOrder())
        {
            if (!graph.Nodes.Contains(node)) continue;
            if (GraphEdits.IsOp(node, "Transpose")) MergeTransposes(context, node);
            else if (GraphEdits.IsOp(node, "Reshape")) SimplifyReshape(context, node);
        }
    }

    private static void MergeTransposes(PassContext context, Node second)
    {
        var graph = context.Graph;
        var inner = second.Input(0)!;
        if (!GraphEdits.IsOp(inner.Producer, "Transpose") || inner.Shape is null) return;
        var first = inner.Producer!;
        int rank = inner.Shape.Rank;
        var p1 = LayoutShapes.ResolvePerm(first, rank);
        var p2 = LayoutShapes.ResolvePerm(second, rank);
        var composed = p2.Select(i => p1[i]).ToArray(); // out[i] = in[p1[p2[i]]]
        var source = first.Input(0)!;
        if (composed.Select((p, i) => p == i).All(x => x))
        {
            if (second.Outputs[0].IsGraphOutput) return;
            graph.RemoveNode(second);
            GraphEdits.ReplaceUses(graph, second.Outputs[0], source);
            context.Record("Transpose pair cancelled");
        }
        else
        {
            second.Inputs[0] = source;
            second.SetAttribute(NodeAttribute.Of("perm", composed.Select(p => (long)p).ToArray()));
            graph.RebuildLinks();
            context.Record("Transpose pair merged");
        }
    }

    private static void SimplifyReshape(PassContext context, Node node)
    {
        var graph = context.Graph;
        var input = node.Input(0)!;
        var output = node.Outputs[0];
        if (input.Shape is { IsStatic: true } inShape && inShape.Equals(output.Shape) && !output.IsGraphOutput)
        {
            graph.RemoveNode(node);
            GraphEdits.ReplaceUses(graph, output, input);
            context.Record("Reshape to the same shape removed");
            return;
        }
        // Reshape(Reshape(x, a), b) == Reshape(x, b) when b is constant and copies no dimension (no 0s).
        if (GraphEdits.IsOp(input.Producer, "Reshape") && GraphEdits.ConstantOf(node.Input(1)) is { } target &&
            (node.GetInt("allowzero", 0) != 0 || target.ToLongs().All(d => d != 0)))
        {
            node.Inputs[0] = input.Producer!.Input(0);
            graph.RebuildLinks();
            context.Record("Reshape of a Reshape merged");
        }
    }
}
