using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// MatMul by constant weights followed by Add of a constant bias over the last axis becomes
/// Gemm (2-D input) or FusedMatMul with a bias (batched input).
/// </summary>
public sealed class MatMulAddFusion : IGraphPass
{
    public string Name => "matmul-add-fusion";

    public void Run(PassContext context)
    {
        var graph = context.Graph;
        foreach (var matmul in graph.Nodes.Where(n => GraphEdits.IsOp(n, "MatMul")).ToList())
        {
            var product = matmul.Outputs[0];
            if (GraphEdits.SingleConsumer(product) is not { } add || !GraphEdits.IsOp(add, "Add")) continue;
            if (GraphEdits.ConstantOf(matmul.Input(1)) is not { Rank: 2, Type: DataType.Float32 } weights) continue;
            var biasValue = GraphEdits.Other(add, product)!;
            if (GraphEdits.ConstantOf(biasValue) is not { } bias || bias.Type != DataType.Float32) continue;
            int n = weights.Shape[1];
            // The bias must broadcast along the last axis only.
            if (!(bias.Length == n && bias.Shape[^1] == n || bias.Length == 1)) continue;
            if (product.Shape is null || !product.Shape.Equals(add.Outputs[0].Shape)) continue;
            bool twoD = matmul.Input(0)!.Shape?.Rank == 2;
            var fused = GraphEdits.Replace(graph, matmul, twoD ? "Gemm" : FusedOps.FusedMatMul, twoD ? "" : FusedOps.Domain);
            var flatBias = GraphEdits.NewInitializer(graph, $"{matmul.DisplayName}.bias", Tensor.FromFloats(
                Enumerable.Range(0, n).Select(i => bias.Floats[bias.Length == 1 ? 0 : i]).ToArray(), n));
            fused.Inputs.Add(flatBias);
            if (!twoD) Activation.None.WriteTo(fused);
            GraphEdits.Absorb(graph, fused, add);
            context.Record(twoD ? "MatMul + Add -> Gemm" : "MatMul + Add -> FusedMatMul with bias");
        }
    }
}
