using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Runtime;

/// <summary>
/// A MatMul of two float activations with the same leading (batch) dimensions, as attention
/// computes QKᵀ and softmax·V: <see cref="Batches"/> products of [M x K] by [K x N], each operand
/// and the result contiguous per batch. The backends' batched-MatMul layers take exactly these.
/// </summary>
public readonly record struct BatchedMatMulShape(int Batches, int M, int K, int N)
{
    public static BatchedMatMulShape? Of(LayerSpec spec)
    {
        if (spec.Node.Domain != "" || spec.Node.OpType != "MatMul" || spec.Inputs.Count != 2) return null;
        var a = spec.Input(0);
        var b = spec.Input(1);
        if (a.IsConstant || b.IsConstant || a.Type != DataType.Float32 || b.Type != DataType.Float32 || spec.Output(0).Type != DataType.Float32) return null;
        int rank = a.Shape.Length;
        if (rank < 2 || b.Shape.Length != rank || !a.Shape.AsSpan(0, rank - 2).SequenceEqual(b.Shape.AsSpan(0, rank - 2))) return null;
        if (a.Shape[rank - 1] != b.Shape[rank - 2]) return null;
        int batches = a.Shape.Take(rank - 2).Aggregate(1, (x, y) => x * y);
        return new BatchedMatMulShape(batches, a.Shape[rank - 2], a.Shape[rank - 1], b.Shape[rank - 1]);
    }
}
