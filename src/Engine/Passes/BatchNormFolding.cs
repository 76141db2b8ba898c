using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// Folds inference-mode BatchNormalization into the Conv, ConvTranspose or Gemm before it:
/// y = (x - mean) / sqrt(var + eps) * gamma + beta is a per-channel scale and shift.
/// </summary>
public sealed class BatchNormFolding : IGraphPass
{
    public string Name => "batchnorm-folding";

    public void Run(PassContext context)
    {
        var graph = context.Graph;
        foreach (var bn in graph.Nodes.Where(n => GraphEdits.IsOp(n, "BatchNormalization")).ToList())
        {
            if (bn.Outputs.Count > 1 && bn.Outputs.Skip(1).Any(o => o.Consumers.Count > 0)) continue;
            var parameters = Enumerable.Range(1, 4).Select(i => GraphEdits.ConstantOf(bn.Input(i))).ToArray();
            if (parameters.Any(p => p is not { Type: DataType.Float32 })) continue;
            if (LinearLayer.Producing(graph, bn.Input(0)!) is not { } layer || parameters[0]!.Length != layer.Channels) continue;
            float eps = bn.GetFloat("epsilon", 1e-5f);
            var (gamma, beta, mean, variance) = (parameters[0]!.Floats, parameters[1]!.Floats, parameters[2]!.Floats, parameters[3]!.Floats);
            var scale = new float[layer.Channels];
            var shift = new float[layer.Channels];
            for (int c = 0; c < scale.Length; c++)
            {
                scale[c] = (float)(gamma[c] / Math.Sqrt(variance[c] + (double)eps));
                shift[c] = beta[c] - mean[c] * scale[c];
            }
            layer.Apply(scale, shift);
            GraphEdits.Absorb(graph, layer.Node, bn);
            context.Record($"BatchNormalization folded into {layer.Node.OpType}");
        }
    }
}
