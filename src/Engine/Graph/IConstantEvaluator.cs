using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Graph;

/// <summary>
/// Computes a node whose inputs are all constant, so shape inference knows the exact result
/// (shape arithmetic with Cast, Div, Floor, ... of any kind). Implemented by the reference backend.
/// </summary>
public interface IConstantEvaluator
{
    /// <summary>The outputs, or null when this node cannot be evaluated.</summary>
    Tensor[]? TryEvaluate(Node node, IReadOnlyList<Tensor?> inputs);
}
