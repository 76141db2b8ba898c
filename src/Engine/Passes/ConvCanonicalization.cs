using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// Rewrites every Conv and ConvTranspose as a FusedConv (with no activation yet), so backends
/// implement one convolution op and later fusions only extend its epilogue.
/// </summary>
public sealed class ConvCanonicalization : IGraphPass
{
    public string Name => "conv-canonicalization";

    public void Run(PassContext context)
    {
        foreach (var node in context.Graph.Nodes.ToList())
        {
            if (!(GraphEdits.IsOp(node, "Conv") || GraphEdits.IsOp(node, "ConvTranspose"))) continue;
            var fused = GraphEdits.Replace(context.Graph, node, FusedOps.FusedConv, FusedOps.Domain);
            if (node.OpType == "ConvTranspose") fused.SetAttribute(NodeAttribute.Of("transposed", 1L));
            Activation.None.WriteTo(fused);
            context.Record($"{node.OpType} -> FusedConv");
        }
    }
}
