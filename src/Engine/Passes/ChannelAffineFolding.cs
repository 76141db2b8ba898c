using EdgeAgent.Engine.Graph;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// Folds a Mul, Div, Add or Sub by a per-channel constant after a conv/Gemm into its weights
/// and bias (exporters leave these behind from frozen normalization and scaling layers).
/// </summary>
public sealed class ChannelAffineFolding : IGraphPass
{
    public string Name => "channel-affine-folding";

    public void Run(PassContext context)
    {
        var graph = context.Graph;
        foreach (var node in graph.Nodes.ToList())
        {
            if (node.Domain != "" || node.OpType is not ("Mul" or "Add" or "Sub" or "Div")) continue;
            for (int side = 0; side < 2; side++)
            {
                var y = node.Input(side)!;
                var constant = GraphEdits.ConstantOf(node.Input(1 - side));
                // Sub and Div only fold with the constant on the right (y - c, y / c).
                if (constant is null || (side == 1 && node.OpType is "Sub" or "Div")) continue;
                if (y.Shape is null || !y.Shape.Equals(node.Outputs[0].Shape)) continue;
                if (LinearLayer.Producing(graph, y) is not { } layer || layer.PerChannel(constant, y.Shape.Rank) is not { } c) continue;
                var scale = Enumerable.Repeat(1f, layer.Channels).ToArray();
                var shift = new float[layer.Channels];
                for (int k = 0; k < c.Length; k++)
                {
                    switch (node.OpType)
                    {
                        case "Mul": scale[k] = c[k]; break;
                        case "Div": scale[k] = 1f / c[k]; break;
                        case "Add": shift[k] = c[k]; break;
                        case "Sub": shift[k] = -c[k]; break;
                    }
                }
                layer.Apply(scale, shift);
                GraphEdits.Absorb(graph, layer.Node, node);
                context.Record($"{node.OpType} by a per-channel constant folded into {layer.Node.OpType}");
                break;
            }
        }
    }
}
