using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// Fuses a residual Add into the FusedConv that produces one of its operands: the conv adds
/// the other operand in its epilogue. Without an activation yet, the result is conv + b +
/// residual and a following activation still fuses (act(conv + b + residual)); with one
/// already fused, the residual comes after it (act(conv + b) + residual).
/// </summary>
public sealed class ResidualFusion : IGraphPass
{
    public string Name => "residual-fusion";

    public void Run(PassContext context)
    {
        var graph = context.Graph;
        var order = graph.TopologicalOrder().Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        foreach (var add in graph.Nodes.Where(n => GraphEdits.IsOp(n, "Add")).ToList())
        {
            var output = add.Outputs[0];
            // The later-computed operand takes the Add, so the other one is ready when it runs.
            var candidates = new[] { add.Input(0)!, add.Input(1)! }
                .Where(v => v.Producer is { } p && IsFusable(p) && GraphEdits.SingleConsumer(v) == add && add.Input(0) != add.Input(1))
                .OrderByDescending(v => order[v.Producer!]);
            foreach (var convOut in candidates)
            {
                var residual = GraphEdits.Other(add, convOut)!;
                if (convOut.Shape is null || !convOut.Shape.Equals(output.Shape) || !convOut.Shape.Equals(residual.Shape)) continue;
                var conv = convOut.Producer!;
                while (conv.Inputs.Count < 3) conv.Inputs.Add(null);
                conv.Inputs.Add(residual);
                bool activationFirst = Activation.FromAttributes(conv).Kind != ActivationKind.None;
                conv.SetAttribute(NodeAttribute.Of("activation_first", activationFirst ? 1L : 0L));
                GraphEdits.Absorb(graph, conv, add);
                context.Record(activationFirst ? "residual Add after the activation fused" : "residual Add fused into FusedConv");
                break;
            }
        }
    }

    private static bool IsFusable(Node node) =>
        node.Domain == FusedOps.Domain && node.OpType == FusedOps.FusedConv && !node.HasInput(3) && node.GetInt("transposed", 0) == 0 &&
        !PostAffineFusion.HasPostAffine(node);
}
