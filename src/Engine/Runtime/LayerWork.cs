using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;

namespace EdgeAgent.Engine.Runtime;

/// <summary>
/// The arithmetic one layer does, counted as ONNX defines the op (two operations per
/// multiply-add, padding and layouts aside), so a profile can print achieved TFLOP/s or TOPS.
/// Only the compute-bound ops are counted: convolutions (plain, fused, quantized, transposed)
/// and matrix products; the rest move memory and get null.
/// </summary>
public static class LayerWork
{
    public static long? Operations(Node node)
    {
        if (node.Domain is not ("" or FusedOps.Domain)) return null;
        long? ops = node.OpType switch
        {
            // Each output element sums C/group x KH x KW products, whatever the layout.
            "Conv" or FusedOps.FusedConv or QuantizedOps.QConv when Weights(node, node.OpType == QuantizedOps.QConv ? QuantizedOps.W : 1) is { } w
                => 2 * Elements(node.Outputs[0]) * Product(w, 1),
            // Each input element is spread over M/group x KH x KW outputs.
            "ConvTranspose" when Weights(node, 1) is { } w => 2 * Elements(node.Inputs[0]) * Product(w, 1),
            "Gemm" or FusedOps.FusedGemm when Shape(node.Inputs[0]) is { Length: 2 } a
                => 2 * Elements(node.Outputs[0]) * (node.GetInt("transA", 0) != 0 ? a[0] : a[1]),
            "MatMul" or FusedOps.FusedMatMul when Shape(node.Inputs[0]) is { Length: > 0 } a
                => 2 * Elements(node.Outputs[0]) * (a.Length == 1 ? a[0] : a[^1]),
            _ => (long?)null,
        };
        return ops > 0 ? ops : null;
    }

    private static int[]? Weights(Node node, int input) =>
        node.Inputs.Count > input && node.Inputs[input] is { } w && Shape(w) is { Length: >= 3 } shape ? shape : null;

    private static int[]? Shape(Value? value) => value?.Shape is { IsStatic: true } s ? s.ToInts() : null;

    private static long Elements(Value? value) => Shape(value) is { } s ? s.Aggregate(1L, (p, d) => p * d) : 0;

    private static long Product(int[] dims, int from) => dims.Skip(from).Aggregate(1L, (p, d) => p * d);
}
