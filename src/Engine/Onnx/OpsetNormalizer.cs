using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Onnx;

/// <summary>
/// Rewrites older-opset node forms into the newest form, so shape rules, kernels and passes
/// each implement one semantics per op: attributes that later opsets moved to inputs become
/// constant inputs (Clip min/max, Slice, Squeeze/Unsqueeze/Reduce axes, Split sizes, Pad),
/// Upsample and opset-10 Resize become opset-11 Resize, Scatter becomes ScatterElements,
/// Constant's value_* attributes become one <c>value</c> tensor, opset &lt; 13 Softmax,
/// LogSoftmax and Hardmax are marked with their flattening behaviour, and opset &lt; 21
/// GroupNormalization with its per-group scale and bias.
/// </summary>
public static class OpsetNormalizer
{
    /// <summary>Marks Softmax, LogSoftmax and Hardmax nodes from opset &lt; 13, which flatten to 2-D at <c>axis</c>.</summary>
    public const string LegacySoftmaxAttribute = "legacy_flatten";

    /// <summary>
    /// Marks GroupNormalization nodes from opset &lt; 21, whose scale and bias hold one value per
    /// group; from opset 21 on they hold one per channel.
    /// </summary>
    public const string LegacyGroupAffineAttribute = "legacy_affine_per_group";

    /// <summary>
    /// Opset-10 Resize's nearest rounding: down when upsampling, up when downsampling (ONNX's
    /// Resize-10 tests expect [1, 3] from [1, 2, 3, 4] at scale 0.6; ONNX Runtime does the same).
    /// </summary>
    public const string LegacyNearestMode = "legacy_floor_up_ceil_down";

    public static void Normalize(Model model)
    {
        var graph = model.Graph;
        long opset = model.Opset;
        foreach (var node in graph.Nodes.ToList())
        {
            if (node.Domain != "") continue;
            switch (node.OpType)
            {
                case "Constant": NormalizeConstant(node); break;
                case "Clip" when opset < 11:
                    MoveToInput(graph, node, 1, "min", a => Tensor.Scalar(a.Float));
                    MoveToInput(graph, node, 2, "max", a => Tensor.Scalar(a.Float));
                    break;
                case "Slice" when opset < 10:
                    MoveToInput(graph, node, 1, "starts", a => Ints(a.Ints));
                    MoveToInput(graph, node, 2, "ends", a => Ints(a.Ints));
                    MoveToInput(graph, node, 3, "axes", a => Ints(a.Ints));
                    break;
                case "Squeeze" or "Unsqueeze" when opset < 13:
                    MoveToInput(graph, node, 1, "axes", a => Ints(a.Ints));
                    break;
                case "ReduceSum" when opset < 13:
                    MoveToInput(graph, node, 1, "axes", a => Ints(a.Ints));
                    break;
                case "ReduceMean" or "ReduceMax" or "ReduceMin" or "ReduceProd" or "ReduceL1" or "ReduceL2"
                    or "ReduceLogSum" or "ReduceLogSumExp" or "ReduceSumSquare" when opset < 18:
                    MoveToInput(graph, node, 1, "axes", a => Ints(a.Ints));
                    break;
                case "Split" when opset < 13:
                    MoveToInput(graph, node, 1, "split", a => Ints(a.Ints));
                    break;
                case "Pad" when opset < 11:
                    MoveToInput(graph, node, 1, "pads", a => Ints(a.Ints));
                    MoveToInput(graph, node, 2, "value", a => Tensor.Scalar(a.Float));
                    break;
                case "Upsample": UpsampleToResize(graph, node); break;
                case "Scatter": node.OpType = "ScatterElements"; break; // opsets 9-10: the same op under its old name
                case "Resize" when opset < 11:
                    // Opset 10: (X, scales) with asymmetric coordinates.
                    node.Inputs.Insert(1, null);
                    SetDefault(node, "coordinate_transformation_mode", "asymmetric");
                    SetDefault(node, "nearest_mode", LegacyNearestMode);
                    break;
                case "GroupNormalization" when opset < 21:
                    node.SetAttribute(NodeAttribute.Of(LegacyGroupAffineAttribute, 1L));
                    break;
                case "Softmax" or "LogSoftmax" or "Hardmax" when opset < 13:
                    node.SetAttribute(NodeAttribute.Of(LegacySoftmaxAttribute, 1L));
                    if (!node.HasAttribute("axis")) node.SetAttribute(NodeAttribute.Of("axis", 1L));
                    break;
            }
        }
        graph.RebuildLinks();
    }

    private static Tensor Ints(long[] values) => Tensor.FromLongs(values, values.Length);

    private static void SetDefault(Node node, string name, string value)
    {
        if (!node.HasAttribute(name)) node.SetAttribute(NodeAttribute.Of(name, value));
    }

    /// <summary>Turns attribute <paramref name="name"/> into a constant input at <paramref name="index"/>.</summary>
    private static void MoveToInput(ModelGraph graph, Node node, int index, string name, Func<NodeAttribute, Tensor> toTensor)
    {
        var attribute = node.Attribute(name);
        if (attribute is null) return;
        node.RemoveAttribute(name);
        var value = graph.AddInitializer(graph.UniqueValueName($"{node.DisplayName}.{name}"), toTensor(attribute));
        while (node.Inputs.Count <= index) node.Inputs.Add(null);
        node.Inputs[index] = value;
    }

    private static void NormalizeConstant(Node node)
    {
        if (node.Attribute("value") is { Tensor: not null }) return;
        Tensor? tensor = null;
        if (node.Attribute("value_float") is { } f) tensor = Tensor.Scalar(f.Float);
        else if (node.Attribute("value_int") is { } i) tensor = Tensor.Scalar(i.Int);
        else if (node.Attribute("value_floats") is { } fs) tensor = Tensor.FromFloats(fs.Floats, fs.Floats.Length);
        else if (node.Attribute("value_ints") is { } ints) tensor = Ints(ints.Ints);
        if (tensor is null)
            throw new ModelFormatException($"{node.Describe()} has no value (sparse and string constants are not supported)");
        foreach (var name in new[] { "value_float", "value_int", "value_floats", "value_ints" }) node.RemoveAttribute(name);
        node.SetAttribute(NodeAttribute.Of("value", tensor));
    }

    private static void UpsampleToResize(ModelGraph graph, Node node)
    {
        node.OpType = "Resize";
        string mode = node.GetString("mode", "nearest");
        node.SetAttribute(NodeAttribute.Of("mode", mode == "bilinear" ? "linear" : mode));
        node.SetAttribute(NodeAttribute.Of("coordinate_transformation_mode", "asymmetric"));
        node.SetAttribute(NodeAttribute.Of("nearest_mode", "floor"));
        if (node.Attribute("scales") is { } scales) // opset 7: scales as an attribute
        {
            node.RemoveAttribute("scales");
            var value = graph.AddInitializer(graph.UniqueValueName($"{node.DisplayName}.scales"),
                Tensor.FromFloats(scales.Floats, scales.Floats.Length));
            node.Inputs.Add(value);
        }
        node.Inputs.Insert(1, null); // roi
    }
}
