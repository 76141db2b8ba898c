using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// Folds a Mul, Div, Add or Sub by a scalar constant that follows a fused producer's
/// non-linear epilogue (an activation or a residual) into the producer's <c>post_scale</c> and
/// <c>post_shift</c>: y = epilogue * post_scale + post_shift. PP-LCNet's learnable affine blocks
/// (a·act(conv) + b) otherwise cost one memory pass each. A producer with a linear epilogue is
/// left alone: there the constant belongs in the weights (channel-affine-folding), and a later
/// activation can still fuse.
/// </summary>
public sealed class PostAffineFusion : IGraphPass
{
    public const string ScaleAttribute = "post_scale";
    public const string ShiftAttribute = "post_shift";

    public string Name => "post-affine-fusion";

    /// <summary>Whether <paramref name="node"/> already applies a post-epilogue affine, which nothing may be fused before.</summary>
    public static bool HasPostAffine(Node node) =>
        node.GetFloat(ScaleAttribute, 1f) != 1f || node.GetFloat(ShiftAttribute, 0f) != 0f;

    public void Run(PassContext context)
    {
        var graph = context.Graph;
        foreach (var node in graph.TopologicalOrder().ToList())
        {
            if (!graph.Nodes.Contains(node) || node.Domain != "" || node.OpType is not ("Mul" or "Div" or "Add" or "Sub")) continue;
            if (node.Inputs.Count != 2 || node.Outputs[0].Type != DataType.Float32) continue;
            // Mul and Add commute; Div and Sub only fold with the constant on the right.
            bool commutes = node.OpType is "Mul" or "Add";
            Value? operand = null;
            float constant = 0f;
            if (GraphEdits.ScalarOf(node.Input(1)) is float right) (operand, constant) = (node.Input(0), right);
            else if (commutes && GraphEdits.ScalarOf(node.Input(0)) is float left) (operand, constant) = (node.Input(1), left);
            if (operand?.Producer is not { } producer || !IsTarget(producer) || GraphEdits.SingleConsumer(operand) != node) continue;
            // A scalar constant of rank above the output's would broadcast the shape up.
            if (operand.Shape is null || !operand.Shape.Equals(node.Outputs[0].Shape)) continue;
            if (node.OpType == "Div" && constant == 0f) continue;
            float scale = producer.GetFloat(ScaleAttribute, 1f), shift = producer.GetFloat(ShiftAttribute, 0f);
            switch (node.OpType)
            {
                case "Mul": scale *= constant; shift *= constant; break;
                case "Div": scale /= constant; shift /= constant; break;
                case "Add": shift += constant; break;
                default: shift -= constant; break;
            }
            producer.SetAttribute(NodeAttribute.Of(ScaleAttribute, scale));
            producer.SetAttribute(NodeAttribute.Of(ShiftAttribute, shift));
            GraphEdits.Absorb(graph, producer, node);
            context.Record($"scalar {node.OpType} fused into {producer.OpType}");
        }
    }

    private static bool IsTarget(Node producer) =>
        producer.Domain == FusedOps.Domain && producer.OpType is FusedOps.FusedConv or FusedOps.FusedGemm or FusedOps.FusedMatMul &&
        producer.Outputs.Count == 1 && producer.Outputs[0].Type == DataType.Float32 &&
        (Activation.FromAttributes(producer).Kind != ActivationKind.None || producer.OpType == FusedOps.FusedConv && producer.HasInput(3));
}
