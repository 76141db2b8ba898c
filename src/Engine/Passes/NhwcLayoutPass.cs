using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// Gives the layers a backend wants channels-last (NHWC) their layout: each chosen QConv gets
/// <c>layout = "NHWC"</c>, its activation inputs (X and the residual) are read through a
/// Transpose to NHWC and its output is written channels-last and transposed back for readers
/// that want NCHW. A value is transposed once however many layers read it, and a chosen layer
/// that reads another's output takes its channels-last form directly, so a chain of NHWC layers
/// has transforms only at its edges. Transforms nothing reads are removed.
/// </summary>
/// <remarks>
/// The graph computes exactly what it computed before: a QConv's arithmetic does not depend on
/// the order its tensors are stored in (see <see cref="QuantizedOps"/>).
/// </remarks>
public sealed class NhwcLayoutPass(Func<Node, bool> wantsNhwc) : IGraphPass
{
    public string Name => "nhwc-layout";

    /// <summary>Applies the pass, then re-sorts, prunes and re-infers shapes; returns how many layers became NHWC.</summary>
    public static int Apply(Model model, IConstantEvaluator evaluator, Func<Node, bool> wantsNhwc)
    {
        var context = new PassContext(model, evaluator);
        new NhwcLayoutPass(wantsNhwc).Run(context);
        if (context.RewriteCount == 0) return 0;
        var graph = model.Graph;
        graph.RebuildLinks();
        graph.RemoveUnusedValues();
        graph.Sort();
        ShapeInference.Run(model, null, evaluator);
        return context.Rewrites.GetValueOrDefault(LayerPattern);
    }

    private const string LayerPattern = "QConv made NHWC";

    /// <summary>A layer the pass may make NHWC: a 4-D QConv that is still NCHW.</summary>
    public static bool IsCandidate(Node node) =>
        node.Domain == FusedOps.Domain && node.OpType == QuantizedOps.QConv && !QuantizedOps.IsNhwc(node)
        && node.Input(QuantizedOps.X)?.Shape is { Rank: 4 } && node.Input(QuantizedOps.W)?.Shape is { Rank: 4 }
        && node.GetInt("transposed", 0) == 0;

    public void Run(PassContext context)
    {
        var graph = context.Graph;
        var channelsLast = new Dictionary<Value, Value>();
        var added = new List<Node>();
        foreach (var node in graph.TopologicalOrder())
        {
            if (!IsCandidate(node) || !wantsNhwc(node)) continue;
            node.SetAttribute(NodeAttribute.Of(QuantizedOps.LayoutAttribute, QuantizedOps.Nhwc));
            foreach (int i in (int[])[QuantizedOps.X, QuantizedOps.Residual])
            {
                if (node.Input(i) is not { } input) continue;
                if (!channelsLast.TryGetValue(input, out var nhwc))
                {
                    nhwc = GraphEdits.NewValue(graph, input.Name + "_nhwc");
                    added.Add(Transpose(graph, $"{input.Name}_to_nhwc", input, nhwc, QuantizedOps.ToNhwcPerm));
                    channelsLast[input] = nhwc;
                    context.Record("Transpose to NHWC inserted");
                }
                node.Inputs[i] = nhwc;
            }
            var output = node.Outputs[0];
            var written = GraphEdits.NewValue(graph, output.Name + "_nhwc");
            graph.RemoveNode(node);
            node.Outputs[0] = written;
            graph.AddNode(node);
            added.Add(Transpose(graph, $"{output.Name}_to_nchw", written, output, QuantizedOps.ToNchwPerm));
            channelsLast[output] = written;
            context.Record(LayerPattern);
        }
        graph.RebuildLinks();
        foreach (var transpose in added)
        {
            if (transpose.Outputs[0] is { Consumers.Count: 0, IsGraphOutput: false })
            {
                graph.RemoveNode(transpose);
                context.Record("unneeded Transpose removed");
            }
        }
        graph.RebuildLinks();
    }

    private static Node Transpose(ModelGraph graph, string name, Value input, Value output, long[] perm)
    {
        var node = new Node(graph.UniqueValueName(name), "Transpose");
        node.Inputs.Add(input);
        node.Outputs.Add(output);
        node.SetAttribute(NodeAttribute.Of("perm", perm));
        graph.AddNode(node);
        return node;
    }

    /// <summary>How many Transposes in <paramref name="graph"/> convert between NCHW and NHWC (the layout transforms).</summary>
    public static int LayoutTransforms(ModelGraph graph) =>
        graph.Nodes.Count(n => GraphEdits.IsOp(n, "Transpose") && n.GetInts("perm") is { } p
            && (p.SequenceEqual(QuantizedOps.ToNhwcPerm) || p.SequenceEqual(QuantizedOps.ToNchwPerm)));
}
