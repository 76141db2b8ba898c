using EdgeAgent.Engine.Graph;

namespace EdgeAgent.Engine.Passes;

/// <summary>Removes nodes whose outputs nothing reads and that are not graph outputs.</summary>
public sealed class DeadCodeElimination : IGraphPass
{
    public string Name => "dead-code-elimination";

    public void Run(PassContext context)
    {
        var graph = context.Graph;
        bool removed = true;
        while (removed)
        {
            removed = false;
            foreach (var node in graph.Nodes.ToList())
            {
                if (node.Outputs.Any(o => o.Consumers.Count > 0 || o.IsGraphOutput)) continue;
                graph.RemoveNode(node);
                context.Record($"unused {node.OpType} removed");
                removed = true;
            }
        }
    }
}
