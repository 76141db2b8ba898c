using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// Merges sibling layers that read the same tensor into one wider layer whose output is split:
/// 1x1 FusedConvs with equal attributes (YOLO C3's two branches) concatenate their weights along
/// the output channels; MatMuls by constant 2-D weights (attention Q/K/V) along the columns.
/// </summary>
public sealed class HorizontalFusion : IGraphPass
{
    public string Name => "horizontal-fusion";

    public void Run(PassContext context)
    {
        var graph = context.Graph;
        foreach (var value in graph.Values.ToList())
        {
            var convs = value.Consumers.Distinct().Where(n => IsPointwiseConv(n, value)).GroupBy(ConvKey).Where(g => g.Count() > 1);
            foreach (var group in convs) Merge(context, group.ToList(), axis: 1, "sibling 1x1 convs merged");
            var matmuls = value.Consumers.Distinct().Where(n => IsConstantMatMul(n, value)).GroupBy(MatMulKey).Where(g => g.Count() > 1);
            foreach (var group in matmuls) Merge(context, group.ToList(), axis: -1, "sibling MatMuls merged");
        }
    }

    private static bool IsPointwiseConv(Node n, Value input) =>
        n.Domain == FusedOps.Domain && n.OpType == FusedOps.FusedConv && n.Input(0) == input && !n.HasInput(3) &&
        n.GetInt("transposed", 0) == 0 && n.GetInt("group", 1) == 1 &&
        GraphEdits.ConstantOf(n.Input(1)) is { Rank: 4 } w && w.Shape[2] == 1 && w.Shape[3] == 1 &&
        (n.GetInts("strides") ?? [1, 1]).All(s => s == 1) && (n.GetInts("pads") ?? [0, 0, 0, 0]).All(p => p == 0) &&
        n.GetString("auto_pad", "NOTSET") is "NOTSET" or "VALID" && (!n.HasInput(2) || GraphEdits.ConstantOf(n.Input(2)) is not null);

    private static string ConvKey(Node n) => $"{Activation.FromAttributes(n)}|{PostAffine(n)}|{string.Join(",", n.GetInts("dilations") ?? [])}";

    // Merged siblings share one attribute set, so their post-epilogue affines must agree.
    private static string PostAffine(Node n) =>
        $"{n.GetFloat(PostAffineFusion.ScaleAttribute, 1f):R},{n.GetFloat(PostAffineFusion.ShiftAttribute, 0f):R}";

    private static bool IsConstantMatMul(Node n, Value input) =>
        (GraphEdits.IsOp(n, "MatMul") || n.Domain == FusedOps.Domain && n.OpType == FusedOps.FusedMatMul) &&
        n.Input(0) == input && GraphEdits.ConstantOf(n.Input(1)) is { Rank: 2, Type: DataType.Float32 } &&
        (!n.HasInput(2) || GraphEdits.ConstantOf(n.Input(2)) is not null);

    private static string MatMulKey(Node n) => $"{n.OpType}|{Activation.FromAttributes(n)}|{PostAffine(n)}|{n.HasInput(2)}";

    /// <summary>Concatenates weights (and biases) along the output axis, then splits the wide result.</summary>
    private static void Merge(PassContext context, List<Node> siblings, int axis, string pattern)
    {
        var graph = context.Graph;
        var first = siblings[0];
        var weights = siblings.Select(n => GraphEdits.ConstantOf(n.Input(1))!).ToList();
        bool conv = axis == 1;
        // Conv weights are [Cout, Cin, 1, 1] (output rows); MatMul weights are [K, N] (output columns).
        var widths = weights.Select(w => conv ? w.Shape[0] : w.Shape[1]).ToArray();
        if (!conv && weights.Any(w => w.Shape[0] != weights[0].Shape[0])) return;
        int total = widths.Sum();
        float[] merged;
        int[] shape;
        if (conv)
        {
            merged = weights.SelectMany(w => w.Floats).ToArray();
            shape = [total, .. weights[0].Shape[1..]];
        }
        else
        {
            int k = weights[0].Shape[0];
            merged = new float[k * total];
            for (int r = 0; r < k; r++)
            {
                int offset = 0;
                foreach (var w in weights)
                {
                    Array.Copy(w.Floats, r * w.Shape[1], merged, r * total + offset, w.Shape[1]);
                    offset += w.Shape[1];
                }
            }
            shape = [k, total];
        }
        bool anyBias = siblings.Any(n => n.HasInput(2));
        var wide = new Node(graph.UniqueValueName($"{first.DisplayName}_merged"), first.OpType, first.Domain);
        foreach (var a in first.Attributes) wide.SetAttribute(a);
        wide.Inputs.Add(first.Input(0));
        wide.Inputs.Add(GraphEdits.NewInitializer(graph, $"{first.DisplayName}.merged_weight", new Tensor(DataType.Float32, shape, merged)));
        if (anyBias)
        {
            var bias = siblings.Zip(widths).SelectMany(p => GraphEdits.ConstantOf(p.First.Input(2)) is { } b
                ? (b.Length == 1 ? Enumerable.Repeat(b.Floats[0], p.Second) : b.ToFloats())
                : Enumerable.Repeat(0f, p.Second)).ToArray();
            wide.Inputs.Add(GraphEdits.NewInitializer(graph, $"{first.DisplayName}.merged_bias", Tensor.FromFloats(bias, total)));
        }
        var wideOut = GraphEdits.NewValue(graph, $"{first.Outputs[0].Name}_merged");
        wide.Outputs.Add(wideOut);
        var split = new Node(graph.UniqueValueName($"{first.DisplayName}_split"), "Split");
        int rank = first.Outputs[0].Shape?.Rank ?? 2;
        split.SetAttribute(NodeAttribute.Of("axis", (long)(conv ? 1 : rank - 1)));
        split.Inputs.Add(wideOut);
        split.Inputs.Add(GraphEdits.NewInitializer(graph, $"{first.DisplayName}.split", Tensor.FromLongs(widths.Select(w => (long)w).ToArray(), widths.Length)));
        foreach (var n in siblings)
        {
            split.Outputs.Add(n.Outputs[0]);
            graph.RemoveNode(n);
        }
        graph.AddNode(wide);
        graph.AddNode(split);
        context.Record(pattern, siblings.Count - 1);
    }
}
