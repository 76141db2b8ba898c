using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference;

/// <summary>Lets shape inference (and constant folding) compute constant nodes with the reference kernels.</summary>
public sealed class ReferenceConstantEvaluator : IConstantEvaluator
{
    public Tensor[]? TryEvaluate(Node node, IReadOnlyList<Tensor?> inputs)
    {
        if (node.Domain != "" || !ReferenceKernels.TryGet(node.OpType, out var kernel)) return null;
        return kernel(node, inputs.ToArray());
    }
}
