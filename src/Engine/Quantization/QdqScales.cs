using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Passes;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Quantization;

/// <summary>
/// Reads the activation scales a QDQ model (quantization-aware training, ONNX Runtime's
/// quantizer) states with QuantizeLinear → DequantizeLinear pairs, and removes those pairs so
/// the optimizer sees the plain float graph and can fuse it. The scales are returned by the name
/// of the tensor that was quantized; they win over calibration, so the INT8 engine quantizes
/// exactly where and how the model says. Only symmetric int8 pairs (zero point 0, one scale) are
/// taken; any other Q/DQ stays in the graph and runs as the ops they are. Weight
/// DequantizeLinear nodes (constant int8 input) are left for constant folding.
/// </summary>
public static class QdqScales
{
    public static Dictionary<string, float> Extract(Model model)
    {
        var graph = model.Graph;
        graph.RebuildLinks();
        var scales = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var q in graph.Nodes.ToList())
        {
            if (!GraphEdits.IsOp(q, "QuantizeLinear") || q.Input(0) is not { } x || x.Constant is not null) continue;
            if (SymmetricScale(q) is not { } scale) continue;
            var quantized = q.Outputs[0];
            if (quantized.IsGraphOutput || quantized.Consumers.Count == 0) continue;
            var pairs = quantized.Consumers.ToList();
            if (!pairs.All(d => GraphEdits.IsOp(d, "DequantizeLinear") && d.Input(0) == quantized && SymmetricScale(d) == scale && !d.Outputs[0].IsGraphOutput))
                continue;
            if (scales.TryGetValue(x.Name, out float seen) && seen != scale) continue;
            scales[x.Name] = scale;
            foreach (var d in pairs)
            {
                GraphEdits.ReplaceUses(graph, d.Outputs[0], x);
                graph.RemoveNode(d);
            }
            graph.RemoveNode(q);
        }
        graph.RebuildLinks();
        graph.RemoveUnusedValues();
        return scales;
    }

    /// <summary>The scale of a per-tensor Q or DQ with an int8 zero point of 0, else null.</summary>
    private static float? SymmetricScale(Node node)
    {
        if (GraphEdits.ConstantOf(node.Input(1)) is not { Length: 1, Type: DataType.Float32 } s || !(s.Floats[0] > 0)) return null;
        if (GraphEdits.ConstantOf(node.Input(2)) is not { Length: 1, Type: DataType.Int8 } zp || ((sbyte[])zp.Data)[0] != 0) return null;
        return s.Floats[0];
    }
}
