using EdgeAgent.Engine.Graph;

namespace EdgeAgent.Engine.Passes;

/// <summary>Removes Identity and inference-mode Dropout: readers of the output read the input instead.</summary>
public sealed class IdentityElimination : IGraphPass
{
    public string Name => "identity-elimination";

    public void Run(PassContext context)
    {
        var graph = context.Graph;
        foreach (var node in graph.Nodes.ToList())
        {
            if (!(GraphEdits.IsOp(node, "Identity") || GraphEdits.IsOp(node, "Dropout"))) continue;
            if (node.Outputs.Skip(1).Any(o => o.Consumers.Count > 0 || o.IsGraphOutput)) continue; // Dropout's mask is used
            var input = node.Input(0)!;
            var output = node.Outputs[0];
            if (output.IsGraphOutput)
            {
                // Keep the output's name: the producer of the input writes it directly, when nothing else reads the input.
                if (input.Producer is not { } producer || input.IsGraphOutput || input.Consumers.Count != 1) continue;
                GraphEdits.Absorb(graph, producer, node, producer.Outputs.IndexOf(input));
            }
            else
            {
                graph.RemoveNode(node);
                GraphEdits.ReplaceUses(graph, output, input);
            }
            context.Record($"{node.OpType} removed");
        }
    }
}
