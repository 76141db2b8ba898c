using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// Moves an activation into the epilogue of the FusedConv, Gemm or MatMul that produces its
/// input, so the intermediate never reaches memory. A FusedConv that already adds a residual
/// (with no activation yet) takes the activation after the addition: act(conv + b + residual).
/// </summary>
public sealed class ActivationFusion : IGraphPass
{
    public string Name => "activation-fusion";

    public void Run(PassContext context)
    {
        var graph = context.Graph;
        foreach (var node in graph.Nodes.ToList())
        {
            if (!graph.Nodes.Contains(node) || Activation.FromActivationNode(node) is not { } activation) continue;
            var input = node.Input(0)!;
            if (input.Producer is not { } producer || GraphEdits.SingleConsumer(input) != node) continue;
            if (!input.Type.IsFloat()) continue;
            Node target;
            if (producer.Domain == FusedOps.Domain && producer.OpType is FusedOps.FusedConv or FusedOps.FusedGemm or FusedOps.FusedMatMul)
            {
                // An activation must not run after a post-epilogue affine it came before.
                if (Activation.FromAttributes(producer).Kind != ActivationKind.None || PostAffineFusion.HasPostAffine(producer)) continue;
                target = producer;
            }
            else if (GraphEdits.IsOp(producer, "Gemm")) target = GraphEdits.Replace(graph, producer, FusedOps.FusedGemm, FusedOps.Domain);
            else if (GraphEdits.IsOp(producer, "MatMul")) target = GraphEdits.Replace(graph, producer, FusedOps.FusedMatMul, FusedOps.Domain);
            else continue;
            activation.WriteTo(target);
            GraphEdits.Absorb(graph, target, node);
            context.Record($"{activation.Kind} fused into {target.OpType}");
        }
    }
}
