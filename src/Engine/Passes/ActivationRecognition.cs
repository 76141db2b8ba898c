using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// Recognizes activations that exporters spell out as several nodes:
/// HardSigmoid from Clip(x + 3, 0, 6) / 6 (or * 1/6); HardSwish from x * HardSigmoid(x)
/// (with alpha 1/6, beta 0.5) and from (x * Clip(x + 3, 0, 6)) / 6; SiLU from x * Sigmoid(x);
/// GELU from x * 0.5 * (1 + Erf(x / sqrt 2)) in its usual orderings.
/// </summary>
public sealed class ActivationRecognition : IGraphPass
{
    public string Name => "activation-recognition";

    public void Run(PassContext context)
    {
        var graph = context.Graph;
        foreach (var node in graph.TopologicalOrder())
        {
            if (!graph.Nodes.Contains(node) || node.Domain != "") continue;
            switch (node.OpType)
            {
                case "Clip": HardSigmoidFromClip(context, node); break;
                case "Mul": MulPatterns(context, node); break;
                case "Erf": Gelu(context, node); break;
            }
        }
    }

    /// <summary>Clip(x + 3, 0, 6) followed by / 6 or * (1/6) is HardSigmoid(x; 1/6, 0.5).</summary>
    private static void HardSigmoidFromClip(PassContext context, Node clip)
    {
        var graph = context.Graph;
        if (Activation.FromActivationNode(clip) is not { Kind: ActivationKind.Clip, Alpha: 0f, Beta: 6f }) return;
        if (clip.Input(0)?.Producer is not { } add || !GraphEdits.IsOp(add, "Add") || GraphEdits.SingleConsumer(add.Outputs[0]) != clip) return;
        var x = ShiftedInput(add, 3f);
        if (x is null || GraphEdits.SingleConsumer(clip.Outputs[0]) is not { } scale) return;
        if (!IsDivBy(scale, clip.Outputs[0], 6f)) return;
        var hs = new Node(graph.UniqueValueName($"{clip.DisplayName}_hardsigmoid"), "HardSigmoid");
        hs.SetAttribute(NodeAttribute.Of("alpha", 1f / 6f));
        hs.SetAttribute(NodeAttribute.Of("beta", 0.5f));
        hs.Inputs.Add(x);
        graph.RemoveNode(add);
        graph.RemoveNode(clip);
        graph.RemoveNode(scale);
        hs.Outputs.Add(scale.Outputs[0]);
        graph.AddNode(hs);
        context.Record("Clip(x+3,0,6)/6 -> HardSigmoid");
    }

    private static void MulPatterns(PassContext context, Node mul)
    {
        var graph = context.Graph;
        for (int side = 0; side < 2; side++)
        {
            var gate = mul.Input(side)!;
            var x = mul.Input(1 - side)!;
            if (gate.Producer is not { } producer || GraphEdits.SingleConsumer(gate) != mul || producer.Input(0) != x) continue;
            string? replacement = null, pattern = null;
            if (GraphEdits.IsOp(producer, "Sigmoid")) (replacement, pattern) = (FusedOps.Silu, "x*Sigmoid(x) -> SiLU");
            else if (GraphEdits.IsOp(producer, "HardSigmoid") &&
                     GraphEdits.Near(producer.GetFloat("alpha", 0.2f), 1f / 6f) && GraphEdits.Near(producer.GetFloat("beta", 0.5f), 0.5f))
                (replacement, pattern) = ("HardSwish", "x*HardSigmoid(x) -> HardSwish");
            if (replacement is null) continue;
            var node = new Node(mul.Name, replacement, replacement == "HardSwish" ? "" : FusedOps.Domain);
            node.Inputs.Add(x);
            node.Outputs.Add(mul.Outputs[0]);
            graph.RemoveNode(producer);
            graph.RemoveNode(mul);
            graph.AddNode(node);
            context.Record(pattern!);
            return;
        }
        // (x * Clip(x + 3, 0, 6)) / 6: the division comes after the product.
        for (int side = 0; side < 2; side++)
        {
            var clipped = mul.Input(side)!;
            var x = mul.Input(1 - side)!;
            if (clipped.Producer is not { } clip || !GraphEdits.IsOp(clip, "Clip") || GraphEdits.SingleConsumer(clipped) != mul) continue;
            if (Activation.FromActivationNode(clip) is not { Kind: ActivationKind.Clip, Alpha: 0f, Beta: 6f }) continue;
            if (clip.Input(0)?.Producer is not { } add || !GraphEdits.IsOp(add, "Add") || GraphEdits.SingleConsumer(add.Outputs[0]) != clip) continue;
            if (ShiftedInput(add, 3f) != x || GraphEdits.SingleConsumer(mul.Outputs[0]) is not { } div || !IsDivBy(div, mul.Outputs[0], 6f)) continue;
            var node = new Node(div.Name, "HardSwish");
            node.Inputs.Add(x);
            node.Outputs.Add(div.Outputs[0]);
            foreach (var n in new[] { add, clip, mul, div }) graph.RemoveNode(n);
            graph.AddNode(node);
            context.Record("x*Clip(x+3,0,6)/6 -> HardSwish");
            return;
        }
    }

    /// <summary>x * 0.5 * (1 + Erf(x / sqrt(2))), with the 0.5 applied to x or to the product.</summary>
    private static void Gelu(PassContext context, Node erf)
    {
        var graph = context.Graph;
        if (erf.Input(0)?.Producer is not { } scale || GraphEdits.SingleConsumer(erf.Input(0)!) != erf) return;
        Value? x = null;
        if (GraphEdits.IsOp(scale, "Div") && GraphEdits.Near(GraphEdits.ScalarOf(scale.Input(1)), MathF.Sqrt(2f), 1e-4f)) x = scale.Input(0);
        if (GraphEdits.IsOp(scale, "Mul")) x = ScaledInput(scale, 1f / MathF.Sqrt(2f), 1e-4f);
        if (x is null || GraphEdits.SingleConsumer(erf.Outputs[0]) is not { } plusOne || !GraphEdits.IsOp(plusOne, "Add") || ShiftedInput(plusOne, 1f) != erf.Outputs[0]) return;
        if (GraphEdits.SingleConsumer(plusOne.Outputs[0]) is not { } product || !GraphEdits.IsOp(product, "Mul")) return;
        var other = GraphEdits.Other(product, plusOne.Outputs[0])!;
        var chain = new List<Node> { scale, erf, plusOne, product };
        Value result;
        if (other == x && GraphEdits.SingleConsumer(product.Outputs[0]) is { } half && ScaledInput(half, 0.5f, 1e-6f) == product.Outputs[0])
        {
            chain.Add(half);
            result = half.Outputs[0];
        }
        else if (other.Producer is { } halfX && GraphEdits.SingleConsumer(other) == product && ScaledInput(halfX, 0.5f, 1e-6f) == x)
        {
            chain.Add(halfX);
            result = product.Outputs[0];
        }
        else return;
        var gelu = new Node(graph.UniqueValueName($"{erf.DisplayName}_gelu"), FusedOps.Gelu, FusedOps.Domain);
        gelu.Inputs.Add(x);
        gelu.Outputs.Add(result);
        foreach (var n in chain) graph.RemoveNode(n);
        graph.AddNode(gelu);
        context.Record("x*0.5*(1+Erf(x/sqrt2)) -> GELU");
    }

    /// <summary>For Add(x, c) with scalar constant c == <paramref name="shift"/>, returns x.</summary>
    private static Value? ShiftedInput(Node add, float shift)
    {
        if (!GraphEdits.IsOp(add, "Add")) return null;
        if (GraphEdits.Near(GraphEdits.ScalarOf(add.Input(1)), shift)) return add.Input(0);
        if (GraphEdits.Near(GraphEdits.ScalarOf(add.Input(0)), shift)) return add.Input(1);
        return null;
    }

    /// <summary>For Mul(x, c) with scalar constant c == <paramref name="factor"/>, returns x.</summary>
    private static Value? ScaledInput(Node mul, float factor, float tolerance)
    {
        if (!GraphEdits.IsOp(mul, "Mul")) return null;
        if (GraphEdits.Near(GraphEdits.ScalarOf(mul.Input(1)), factor, tolerance)) return mul.Input(0);
        if (GraphEdits.Near(GraphEdits.ScalarOf(mul.Input(0)), factor, tolerance)) return mul.Input(1);
        return null;
    }

    /// <summary>True when <paramref name="node"/> is value / d or value * (1/d) with a scalar constant.</summary>
    private static bool IsDivBy(Node node, Value value, float d) =>
        (GraphEdits.IsOp(node, "Div") && node.Input(0) == value && GraphEdits.Near(GraphEdits.ScalarOf(node.Input(1)), d)) ||
        ScaledInput(node, 1f / d, 1e-5f) == value;
}
