using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// Gives the layers a backend wants channels-last (NHWC) their layout: each chosen QConv gets
/// <c>layout = "NHWC"</c>, its activation inputs (X and the residual) are read through a
/// Transpose to NHWC and its output is written channels-last and transposed back for readers
/// that want NCHW. A value is transposed once however many layers read it, and a chosen layer
/// that reads another's output takes its channels-last form directly, so a chain of NHWC layers
/// has transforms only at its edges. Between chosen layers, ops whose result does not depend on
/// the storage order (element-wise ops with scalar constants, per-tensor Quantize/Dequantize) or
/// depends on it only through an axis attribute (Concat and Split along channels) run
/// channels-last too when every activation they read already is, so concatenations, gates and
/// quantizations between convolutions no longer cut the chain, and a Reshape that splits the
/// channels of a channels-last value ahead of a Transpose (a detection head) reads it directly.
/// Transforms nothing reads are removed.
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
    private const string FollowerPattern = "layout-neutral op made NHWC";

    /// <summary>Element-wise ops (ONNX domain, then ours): any storage order gives the same elements.</summary>
    private static readonly HashSet<string> Elementwise =
    [
        "Relu", "Sigmoid", "Tanh", "LeakyRelu", "HardSigmoid", "HardSwish", "Clip", "Elu", "Selu", "Softplus", "Neg", "Abs",
        "Add", "Sub", "Mul", "Div", "Max", "Min", "QuantizeLinear", "DequantizeLinear",
    ];

    private static readonly HashSet<string> FusedElementwise = [FusedOps.Silu, FusedOps.Gelu];

    /// <summary>Where NCHW axis a (0..3) sits in NHWC.</summary>
    private static readonly int[] NhwcAxis = [0, 3, 1, 2];

    /// <summary>A layer the pass may make NHWC: a 4-D QConv that is still NCHW.</summary>
    public static bool IsCandidate(Node node) =>
        node.Domain == FusedOps.Domain && node.OpType == QuantizedOps.QConv && !QuantizedOps.IsNhwc(node)
        && node.Input(QuantizedOps.X)?.Shape is { Rank: 4 } && node.Input(QuantizedOps.W)?.Shape is { Rank: 4 }
        && node.GetInt("transposed", 0) == 0;

    public void Run(PassContext context)
    {
        var graph = context.Graph;
        var channelsLast = new Dictionary<Value, Value>();
        var written = new HashSet<Value>(); // channels-last values a layer wrote (not transforms)
        var added = new List<Node>();
        foreach (var node in graph.TopologicalOrder())
        {
            if (FollowsChannelsLast(node, channelsLast, written))
            {
                MakeFollower(graph, node, channelsLast, written, added);
                context.Record(FollowerPattern);
                continue;
            }
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
            var result = GraphEdits.NewValue(graph, output.Name + "_nhwc");
            graph.RemoveNode(node);
            node.Outputs[0] = result;
            graph.AddNode(node);
            added.Add(Transpose(graph, $"{output.Name}_to_nchw", result, output, QuantizedOps.ToNchwPerm));
            channelsLast[output] = result;
            written.Add(result);
            context.Record(LayerPattern);
        }
        graph.RebuildLinks();
        foreach (var (value, nhwc) in channelsLast)
            if (written.Contains(nhwc) && ComposeChannelSplit(graph, value, nhwc)) context.Record("channel-splitting Reshape read channels-last");
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

    /// <summary>
    /// Whether a layout-neutral op can run channels-last: each of its inputs is either a 4-D value
    /// some NHWC layer wrote (its channels-last form is in <paramref name="written"/>, not a transform
    /// inserted for it) or a scalar constant, and at least one is the former.
    /// </summary>
    private static bool FollowsChannelsLast(Node node, Dictionary<Value, Value> channelsLast, HashSet<Value> written)
    {
        bool neutral = node.Domain == "" ? Elementwise.Contains(node.OpType) || node.OpType is "Concat" or "Split"
            : node.Domain == FusedOps.Domain && FusedElementwise.Contains(node.OpType);
        if (!neutral || node.Outputs.Count == 0 || node.Inputs.Count == 0) return false;
        if (node.OpType is "Concat" or "Split")
        {
            if (node.Input(0)?.Shape is not { Rank: 4 }) return false;
            long axis = node.GetInt("axis", 0);
            if (axis != 1 && axis != -3) return false;
        }
        bool any = false;
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            var input = node.Inputs[i];
            if (input is null) continue;
            // Split's sizes are a constant list, not an operand.
            if (node.OpType == "Split" && i == 1) { if (GraphEdits.ConstantOf(input) is null) return false; continue; }
            if (GraphEdits.ConstantOf(input) is { } constant) { if (constant.Length != 1) return false; continue; }
            if (!channelsLast.TryGetValue(input, out var nhwc) || !written.Contains(nhwc) || input.Shape is not { Rank: 4 }) return false;
            any = true;
        }
        // Element-wise ops must not broadcast one activation against another of a different shape.
        var shapes = node.Inputs.Where(v => v is not null && GraphEdits.ConstantOf(v) is null).Select(v => v!.Shape).ToList();
        if (node.OpType != "Concat" && shapes.Distinct().Count() != 1) return false;
        return any && node.Outputs.All(o => o.Shape is { Rank: 4 });
    }

    /// <summary>Rewires a layout-neutral op to the channels-last forms of its inputs, remaps its channel axis, and transposes its outputs back for NCHW readers.</summary>
    private static void MakeFollower(ModelGraph graph, Node node, Dictionary<Value, Value> channelsLast, HashSet<Value> written, List<Node> added)
    {
        for (int i = 0; i < node.Inputs.Count; i++)
            if (node.Inputs[i] is { } input && channelsLast.TryGetValue(input, out var nhwc)) node.Inputs[i] = nhwc;
        if (node.OpType is "Concat" or "Split")
        {
            long axis = node.GetInt("axis", 0);
            node.SetAttribute(NodeAttribute.Of("axis", (long)NhwcAxis[axis < 0 ? axis + 4 : axis]));
        }
        graph.RemoveNode(node);
        for (int o = 0; o < node.Outputs.Count; o++)
        {
            var output = node.Outputs[o];
            var result = GraphEdits.NewValue(graph, output.Name + "_nhwc");
            node.Outputs[o] = result;
            added.Add(Transpose(graph, $"{output.Name}_to_nchw", result, output, QuantizedOps.ToNchwPerm));
            channelsLast[output] = result;
            written.Add(result);
        }
        graph.AddNode(node);
    }

    /// <summary>
    /// A detection head's pattern: the NCHW form of a channels-last value is reshaped to
    /// [N, a, b, H, W] (channels split into a x b) and transposed at once. The same result comes
    /// from reshaping the channels-last value to [N, H, W, a, b] and one Transpose with the
    /// permutation mapped, so the transform back to NCHW is not needed for it.
    /// </summary>
    private static bool ComposeChannelSplit(ModelGraph graph, Value nchw, Value nhwc)
    {
        bool any = false;
        foreach (var reshape in nchw.Consumers.ToList())
        {
            if (!GraphEdits.IsOp(reshape, "Reshape") || reshape.Input(0) != nchw || nchw.Shape is not { Rank: 4, IsStatic: true } x) continue;
            var split = reshape.Outputs[0];
            if (split.IsGraphOutput || split.Shape is not { Rank: 5, IsStatic: true } y || split.Consumers.Count != 1) continue;
            var transpose = split.Consumers[0];
            if (!GraphEdits.IsOp(transpose, "Transpose") || transpose.GetInts("perm") is not { Length: 5 } perm) continue;
            long n = x[0].Value!.Value, c = x[1].Value!.Value, h = x[2].Value!.Value, w = x[3].Value!.Value;
            long a = y[1].Value!.Value, b = y[2].Value!.Value;
            if (y[0].Value != n || y[3].Value != h || y[4].Value != w || a * b != c) continue;
            // [N, a, b, H, W] axis i sits at position ToSplitNhwc[i] of [N, H, W, a, b].
            long[] toSplitNhwc = [0, 3, 4, 1, 2];
            var shape = GraphEdits.NewInitializer(graph, split.Name + "_nhwc_shape", Tensor.FromLongs([n, h, w, a, b], 5));
            var reshaped = GraphEdits.NewValue(graph, split.Name + "_nhwc");
            var node = new Node(graph.UniqueValueName(reshape.Name + "_nhwc"), "Reshape");
            node.Inputs.Add(nhwc);
            node.Inputs.Add(shape);
            node.Outputs.Add(reshaped);
            graph.AddNode(node);
            transpose.Inputs[0] = reshaped;
            transpose.SetAttribute(NodeAttribute.Of("perm", perm.Select(p => toSplitNhwc[p]).ToArray()));
            graph.RemoveNode(reshape);
            any = true;
        }
        return any;
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
