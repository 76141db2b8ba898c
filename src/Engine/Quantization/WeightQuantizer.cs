using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Quantization;

/// <summary>
/// Symmetric per-output-channel INT8 weights: channel m gets scale max|w[m]| / 127, so its
/// largest weight maps to ±127 and zero stays exactly zero. Weights that came from a QDQ model's
/// int8 tensor with the same convention (ONNX Runtime's quantizer, the zoo) round-trip exactly.
/// </summary>
public static class WeightQuantizer
{
    public static (Tensor Weights, float[] Scales) PerOutputChannel(Tensor weights)
    {
        var w = weights.Floats;
        int channels = weights.Shape[0], per = w.Length / channels;
        var scales = new float[channels];
        var q = new sbyte[w.Length];
        for (int m = 0; m < channels; m++)
        {
            float max = 0;
            for (int i = 0; i < per; i++) max = MathF.Max(max, MathF.Abs(w[m * per + i]));
            // An all-zero channel still needs a positive scale; its weights stay zero either way.
            scales[m] = max > 0 ? max / QuantizedOps.QMax : 1f;
            float inverse = 1f / scales[m];
            for (int i = 0; i < per; i++) q[m * per + i] = QuantizedOps.Quantize(w[m * per + i], inverse);
        }
        return (new Tensor(DataType.Int8, (int[])weights.Shape.Clone(), q), scales);
    }
}
