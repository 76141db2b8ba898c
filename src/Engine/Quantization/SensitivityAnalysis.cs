using EdgeAgent.Engine.Backends.Reference.Kernels;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Quantization;

/// <summary>
/// Layer-by-layer INT8 sensitivity: for every layer the rewrite would quantize, its exact FP32
/// inputs (from the FP32 engine on calibration data) are quantized with the calibrated scale,
/// its weights per channel, and the layer is run as a QConv in the reference; the relative L2
/// error against its FP32 output is the layer's sensitivity (mean over the samples). Each layer
/// is judged on clean inputs, so one bad layer does not make every later one look bad.
/// </summary>
public static class SensitivityAnalysis
{
    public static Dictionary<string, double> Measure(FloatEngineObserver engine, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> samples,
        IReadOnlyDictionary<string, float> scales, Func<Node, bool> isCandidate, CancellationToken cancellationToken)
    {
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        var order = engine.Engine.Order;
        foreach (var sample in samples)
        {
            engine.Run(sample, (i, context) =>
            {
                var node = order[i];
                if (!isCandidate(node)) return;
                var spec = engine.Engine.Specs[i];
                var x = context.Read(spec.Input(0));
                var w = spec.Input(1).Constant!;
                var (wq, wScale) = WeightQuantizer.PerOutputChannel(w);
                float xs = scales[spec.Input(0).Name];
                var xq = new sbyte[x.Length];
                float inverse = 1f / xs;
                var xf = x.Floats;
                for (int k = 0; k < xq.Length; k++) xq[k] = QuantizedOps.Quantize(xf[k], inverse);
                var q = new Node(node.Name, QuantizedOps.QConv, FusedOps.Domain);
                foreach (var a in node.Attributes) q.SetAttribute(a);
                var inputs = new Tensor?[]
                {
                    new Tensor(DataType.Int8, x.Shape, xq), wq, spec.OptionalInput(2)?.Constant,
                    spec.OptionalInput(3) is { } r ? context.Read(r) : null,
                    Tensor.Scalar(xs), Tensor.FromFloats(wScale, wScale.Length),
                };
                var simulated = QuantizedKernels.QConv(q, inputs)[0];
                var expected = context.Read(spec.Output(0));
                double error = TensorMetrics.RelativeL2(expected, simulated);
                sums[node.Name] = sums.GetValueOrDefault(node.Name) + (double.IsFinite(error) ? error : 1.0);
            }, cancellationToken);
        }
        return sums.ToDictionary(s => s.Key, s => s.Value / Math.Max(1, samples.Count), StringComparer.Ordinal);
    }
}
