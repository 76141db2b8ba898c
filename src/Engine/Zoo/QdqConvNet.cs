using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Onnx.Proto;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Zoo;

/// <summary>
/// A small classifier in the QDQ format quantization-aware training and ONNX Runtime's quantizer
/// produce: every activation passes through QuantizeLinear/DequantizeLinear (int8, per tensor)
/// and every weight is stored as int8 with per-output-channel scales and a DequantizeLinear.
/// Two 3x3 convs with Relu, global pooling and a linear layer; input [1, 3, 32, 32] in [-1, 1].
/// </summary>
internal static class QdqConvNet
{
    public static ModelProto Build(int seed)
    {
        var g = new ZooGraph("qdq_convnet", seed);
        var b = g.Builder;
        b.Input("input", DataType.Float32, 1, 3, 32, 32).Output("logits", DataType.Float32, 1, 10);
        string x = QuantDequant(b, "input", "input", 1f / 127);
        x = Conv(g, "conv1", x, 3, 16, stride: 1);
        x = b.Op("Relu", "relu1", [x]);
        x = QuantDequant(b, "relu1", x, 3f / 127);
        x = Conv(g, "conv2", x, 16, 32, stride: 2);
        x = b.Op("Relu", "relu2", [x]);
        x = QuantDequant(b, "relu2", x, 3f / 127);
        string pooled = b.Op("GlobalAveragePool", "pool", [x]);
        string flat = b.Op("Flatten", "flatten", [pooled], OnnxAttr.Int("axis", 1));
        string w = QuantizedWeights(g, "fc", g.HeUniform(10 * 32, 32, ZooGraph.LinearGain), [10, 32]);
        string bias = b.Initializer("fc.bias", g.Uniform(10, -0.1, 0.1), 10);
        b.Op("Gemm", "logits", [flat, w, bias], OnnxAttr.Int("transB", 1));
        return g.Build();
    }

    private static string QuantDequant(OnnxModelBuilder b, string name, string x, float scale)
    {
        string s = b.Initializer($"{name}.scale", [scale]);
        string zp = b.Initializer($"{name}.zero_point", Tensor.Zeros(DataType.Int8));
        string q = b.Op("QuantizeLinear", $"{name}.quantize", [x, s, zp]);
        return b.Op("DequantizeLinear", $"{name}.dequantize", [q, s, zp]);
    }

    private static string Conv(ZooGraph g, string name, string x, int inC, int outC, int stride)
    {
        string w = QuantizedWeights(g, name, g.HeUniform(outC * inC * 9, inC * 9, ZooGraph.ActivatedGain), [outC, inC, 3, 3]);
        string bias = g.Builder.Initializer($"{name}.bias", g.Uniform(outC, -0.1, 0.1), outC);
        return g.Builder.Op("Conv", name, [x, w, bias],
            OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1), OnnxAttr.Ints("strides", stride, stride));
    }

    /// <summary>Symmetric int8 weights with one scale per output channel (axis 0), dequantized in the graph.</summary>
    private static string QuantizedWeights(ZooGraph g, string name, float[] weights, int[] shape)
    {
        int channels = shape[0], per = weights.Length / channels;
        var scales = new float[channels];
        var q = new sbyte[weights.Length];
        for (int c = 0; c < channels; c++)
        {
            float max = 0;
            for (int i = 0; i < per; i++) max = MathF.Max(max, MathF.Abs(weights[c * per + i]));
            scales[c] = max > 0 ? max / 127 : 1;
            for (int i = 0; i < per; i++) q[c * per + i] = (sbyte)Math.Clamp(MathF.Round(weights[c * per + i] / scales[c]), -127, 127);
        }
        var b = g.Builder;
        string wq = b.Initializer($"{name}.weight_quantized", new Tensor(DataType.Int8, shape, q));
        string s = b.Initializer($"{name}.weight_scale", scales, channels);
        string zp = b.Initializer($"{name}.weight_zero_point", new Tensor(DataType.Int8, [channels], new sbyte[channels]));
        return b.Op("DequantizeLinear", $"{name}.weight", [wq, s, zp], OnnxAttr.Int("axis", 0));
    }
}
