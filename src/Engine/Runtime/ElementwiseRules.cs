using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Runtime;

/// <summary>
/// Memory rules every backend with element-wise kernels shares: which ops are views of their
/// input (no work at all) and which may write their output over an input they read.
/// </summary>
public static class ElementwiseRules
{
    private static readonly HashSet<string> Views = ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"];
    private static readonly HashSet<string> Arithmetic = ["Add", "Sub", "Mul", "Div"];

    public static bool IsView(Node node) => node.Domain == "" && Views.Contains(node.OpType) && node.Outputs.Count == 1;

    /// <summary>Activations and same-shape arithmetic on float32: element i is written after element i of every operand is read.</summary>
    public static bool CanRunInPlace(Node node, int input)
    {
        if (input != 0 && !(Arithmetic.Contains(node.OpType) && input == 1)) return false;
        if (node.Outputs[0].Type != DataType.Float32 || node.Inputs[input]?.Type != DataType.Float32) return false;
        if (Activation.FromActivationNode(node) is not null) return true;
        return node.Domain == "" && Arithmetic.Contains(node.OpType) && node.Inputs[input]!.Shape!.Equals(node.Outputs[0].Shape);
    }
}
