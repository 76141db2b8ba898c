using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Quantization;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// Rewrites an optimized float graph into its INT8 form: every <see cref="FusedOps.FusedConv"/>
/// that can run in INT8 becomes a <see cref="QuantizedOps.QConv"/> with symmetric per-output-channel
/// int8 weights and the per-tensor activation scales given. A QConv writes int8 when every
/// reader of its output is another QConv (as input or residual), so chains of INT8 layers pass
/// int8 tensors with no dequantize/quantize between them; otherwise it writes float32 and the
/// float consumers run as before. A float tensor entering an INT8 layer passes one shared
/// QuantizeLinear. Layers without a scale for their input, or named in the keep-FP32 set,
/// are left as they were.
/// </summary>
public sealed class Int8Rewrite(IReadOnlyDictionary<string, float> scales, IReadOnlySet<string> keepFloat, Int8RewriteOptions options)
{
    /// <summary>Nodes the rewrite quantized, by name.</summary>
    public List<string> Quantized { get; } = [];

    /// <summary>Float FusedConv layers left in FP32, with the reason.</summary>
    public List<(string Layer, string Reason)> KeptFloat { get; } = [];

    public void Run(Model model, IConstantEvaluator evaluator)
    {
        var graph = model.Graph;
        var candidates = new HashSet<Node>();
        foreach (var node in graph.Nodes)
        {
            if (node.Domain != FusedOps.Domain || node.OpType != FusedOps.FusedConv) continue;
            if (WhyNot(node) is { } reason) KeptFloat.Add((node.Name, reason));
            else candidates.Add(node);
        }
        // An output is int8 when all its readers are INT8 layers that will quantize it anyway.
        var int8Outputs = new HashSet<Value>();
        foreach (var node in candidates)
        {
            var y = node.Outputs[0];
            if (y.IsGraphOutput || !scales.ContainsKey(y.Name) || y.Consumers.Count == 0) continue;
            if (y.Consumers.All(c => candidates.Contains(c) && (c.Input(0) == y || c.Input(3) == y) && c.Input(1) != y && c.Input(2) != y))
                int8Outputs.Add(y);
        }

        var quantizedInputs = new Dictionary<Value, Value>();
        var zeroPoint = GraphEdits.NewInitializer(graph, "int8_zero_point", Tensor.Zeros(DataType.Int8));
        foreach (var node in graph.Nodes.ToList())
        {
            if (!candidates.Contains(node)) continue;
            var x = node.Input(0)!;
            var xScale = Scale(graph, x);
            Value xq = int8Outputs.Contains(x) ? x : QuantizeOnce(graph, x, xScale, zeroPoint, quantizedInputs);
            var w = node.Input(1)!.Constant!;
            var (wq, wScale) = WeightQuantizer.PerOutputChannel(w);
            var q = new Node(node.Name, QuantizedOps.QConv, FusedOps.Domain);
            foreach (var a in node.Attributes) q.SetAttribute(a);
            q.Inputs.Add(xq);
            q.Inputs.Add(GraphEdits.NewInitializer(graph, $"{node.Name}.weight_int8", wq));
            q.Inputs.Add(node.Input(2));
            var residual = node.Input(3);
            q.Inputs.Add(residual);
            q.Inputs.Add(xScale);
            q.Inputs.Add(GraphEdits.NewInitializer(graph, $"{node.Name}.weight_scale", Tensor.FromFloats(wScale, wScale.Length)));
            var y = node.Outputs[0];
            q.Inputs.Add(int8Outputs.Contains(y) ? Scale(graph, y) : null);
            q.Inputs.Add(residual is not null && int8Outputs.Contains(residual) ? Scale(graph, residual) : null);
            while (q.Inputs.Count > 0 && q.Inputs[^1] is null) q.Inputs.RemoveAt(q.Inputs.Count - 1);
            q.Outputs.Add(y);
            int index = graph.Nodes.IndexOf(node);
            graph.RemoveNode(node);
            graph.AddNode(q);
            graph.Nodes.Remove(q);
            graph.Nodes.Insert(index, q);
            Quantized.Add(node.Name);
        }
        graph.RebuildLinks();
        graph.RemoveUnusedValues();
        graph.Sort();
        ShapeInference.Run(model, null, evaluator);
    }

    /// <summary>Why a FusedConv stays float, or null when it can run in INT8.</summary>
    public string? WhyNot(Node node)
    {
        if (keepFloat.Contains(node.Name)) return "sensitivity: INT8 error over the threshold";
        if (node.GetInt("transposed", 0) != 0) return "transposed convolution has no INT8 kernel";
        var x = node.Input(0)!;
        if (x.Type != DataType.Float32 || x.Shape is not { Rank: 4 }) return "not a 2-D float convolution";
        if (node.Input(1)?.Constant is not { Type: DataType.Float32, Rank: 4 } w) return "weights are not constant";
        if (node.Input(2) is { } b && b.Constant is null) return "bias is not constant";
        int group = (int)node.GetInt("group", 1);
        bool depthwise = group > 1 && group == w.Shape[0] && w.Shape[1] == 1;
        if (depthwise && !options.Depthwise) return "depthwise convolution has no INT8 kernel here";
        if (group > 1 && !depthwise && !options.Grouped) return "grouped convolution has no INT8 kernel here";
        if (node.Input(3) is { } r && (r.Type != DataType.Float32 || r.Shape is null || !r.Shape.Equals(node.Outputs[0].Shape)))
            return "broadcast residual has no INT8 kernel";
        if (!scales.ContainsKey(x.Name)) return $"no calibration scale for input '{x.Name}'";
        return null;
    }

    private static Value QuantizeOnce(ModelGraph graph, Value x, Value scale, Value zeroPoint, Dictionary<Value, Value> done)
    {
        if (done.TryGetValue(x, out var existing)) return existing;
        var q = new Node(graph.UniqueValueName($"{x.Name}.quantize"), "QuantizeLinear");
        q.Inputs.AddRange([x, scale, zeroPoint]);
        var output = GraphEdits.NewValue(graph, $"{x.Name}.int8");
        q.Outputs.Add(output);
        graph.AddNode(q);
        done[x] = output;
        return output;
    }

    /// <summary>The scale of an activation as one shared scalar initializer.</summary>
    private Value Scale(ModelGraph graph, Value activation)
    {
        if (_scaleValues.TryGetValue(activation.Name, out var existing)) return existing;
        var value = GraphEdits.NewInitializer(graph, $"{activation.Name}.int8_scale", Tensor.Scalar(scales[activation.Name]));
        _scaleValues[activation.Name] = value;
        return value;
    }

    private readonly Dictionary<string, Value> _scaleValues = new(StringComparer.Ordinal);
}

/// <summary>What the INT8 rewrite may produce (what the target backend has kernels for).</summary>
/// <param name="Depthwise">Quantize depthwise convolutions too (the CPU backend has an INT8 depthwise kernel).</param>
/// <param name="Depthwise">The backend has an INT8 depthwise kernel (the CPU does, the GPU does not yet).</param>
/// <param name="Grouped">The backend has INT8 grouped (not depthwise) convolutions (the GPU's implicit GEMMs do, the CPU's do not).</param>
public sealed record Int8RewriteOptions(bool Depthwise = true, bool Grouped = false);
