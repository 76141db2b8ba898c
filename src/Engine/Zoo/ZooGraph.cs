using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Onnx.Proto;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Zoo;

/// <summary>
/// The layers the zoo architectures are made of, with random weights drawn in build order
/// from one seeded generator, so a seed always gives the same bytes.
///
/// Weights are He-scaled (variance gain / fan_in) and BatchNormalization statistics are
/// near identity, so activations stay O(1) through the depth without any training. The last
/// layer of a residual branch is scaled down further (<see cref="ResidualGain"/>), otherwise
/// fifty stacked blocks would grow activations geometrically; real trained networks achieve
/// the same with their learned BN statistics.
/// </summary>
internal sealed class ZooGraph
{
    /// <summary>He gain for a layer followed by ReLU-like activation.</summary>
    public const double ActivatedGain = 2.0;

    /// <summary>
    /// He gain for a layer followed by SiLU: 1 / E[silu(z)^2] for z ~ N(0, 1). With ReLU's gain of 2
    /// the signal would shrink by ~0.7 per layer and sixty layers of YOLO would leave only biases.
    /// </summary>
    public const double SiluGain = 2.8;

    /// <summary>Gain for a layer whose output is used linearly (projections, shortcuts).</summary>
    public const double LinearGain = 1.0;

    private readonly Random _random;
    private string? _clipMin, _clipMax;

    public ZooGraph(string name, int seed, float bnEpsilon = 1e-5f)
    {
        Builder = new OnnxModelBuilder(name, opset: 17, irVersion: 8).Producer("edgeagent-zoo");
        _random = new Random(seed);
        BnEpsilon = bnEpsilon;
    }

    public OnnxModelBuilder Builder { get; }

    public float BnEpsilon { get; }

    /// <summary>Gain for the last layer of one of <paramref name="blocks"/> residual branches: their sum adds up to about one layer.</summary>
    public static double ResidualGain(int blocks) => LinearGain / blocks;

    public string Conv(string name, string x, int inC, int outC, int kernel, int stride, int pad,
        int group = 1, float[]? bias = null, double gain = ActivatedGain)
    {
        int fanIn = inC / group * kernel * kernel;
        string w = Builder.Initializer($"{name}.weight", HeUniform(outC * fanIn, fanIn, gain), outC, inC / group, kernel, kernel);
        List<string> inputs = [x, w];
        if (bias is not null) inputs.Add(Builder.Initializer($"{name}.bias", bias, outC));
        return Builder.Op("Conv", name, inputs,
            OnnxAttr.Ints("dilations", 1, 1),
            OnnxAttr.Int("group", group),
            OnnxAttr.Ints("kernel_shape", kernel, kernel),
            OnnxAttr.Ints("pads", pad, pad, pad, pad),
            OnnxAttr.Ints("strides", stride, stride));
    }

    /// <summary>Inference BatchNormalization with near-identity statistics (all running variances positive).</summary>
    public string BatchNorm(string name, string x, int channels)
    {
        string gamma = Builder.Initializer($"{name}.weight", Uniform(channels, 0.9, 1.1), channels);
        string beta = Builder.Initializer($"{name}.bias", Uniform(channels, -0.1, 0.1), channels);
        string mean = Builder.Initializer($"{name}.running_mean", Uniform(channels, -0.1, 0.1), channels);
        string variance = Builder.Initializer($"{name}.running_var", Uniform(channels, 0.8, 1.2), channels);
        return Builder.Op("BatchNormalization", name, [x, gamma, beta, mean, variance],
            OnnxAttr.Float("epsilon", BnEpsilon), OnnxAttr.Float("momentum", 0.9f));
    }

    public string Relu(string name, string x) => Builder.Op("Relu", name, [x]);

    /// <summary>ReLU6 as exporters write it since opset 11: Clip with min and max as inputs.</summary>
    public string Relu6(string name, string x)
    {
        _clipMin ??= Builder.Initializer("relu6.min", [0f]);
        _clipMax ??= Builder.Initializer("relu6.max", [6f]);
        return Builder.Op("Clip", name, [x, _clipMin, _clipMax]);
    }

    /// <summary>SiLU as exporters write it: x * Sigmoid(x).</summary>
    public string Silu(string name, string x)
    {
        string s = Builder.Op("Sigmoid", $"{name}.sigmoid", [x]);
        return Builder.Op("Mul", name, [x, s]);
    }

    public string Add(string name, string a, string b) => Builder.Op("Add", name, [a, b]);

    public string Concat(string name, IReadOnlyList<string> inputs, int axis = 1) =>
        Builder.Op("Concat", name, inputs, OnnxAttr.Int("axis", axis));

    /// <summary>The classifier tail of torchvision models: GlobalAveragePool, Flatten, Gemm(transB=1).</summary>
    public string Classifier(string poolName, string fcName, string x, int features, int classes, string outputName)
    {
        string pooled = Builder.Op("GlobalAveragePool", poolName, [x]);
        string flat = Builder.Op("Flatten", $"{poolName}.flatten", [pooled], OnnxAttr.Int("axis", 1));
        double bound = 1 / Math.Sqrt(features);
        string w = Builder.Initializer($"{fcName}.weight", Uniform(features * classes, -bound, bound), classes, features);
        string b = Builder.Initializer($"{fcName}.bias", Uniform(classes, -bound, bound), classes);
        return Builder.Op("Gemm", outputName, [flat, w, b],
            OnnxAttr.Float("alpha", 1f), OnnxAttr.Float("beta", 1f), OnnxAttr.Int("transB", 1));
    }

    /// <summary>LayerNormalization over the last axis with weights near one and small biases.</summary>
    public string LayerNorm(string name, string x, int width, float epsilon) =>
        Builder.Op("LayerNormalization", name,
            [x, Builder.Initializer($"{name}.weight", Uniform(width, 0.9, 1.1), width), Builder.Initializer($"{name}.bias", Uniform(width, -0.05, 0.05), width)],
            OnnxAttr.Int("axis", -1), OnnxAttr.Float("epsilon", epsilon));

    /// <summary>A torch Linear as exported: MatMul by the transposed weight [in, out], then Add bias.</summary>
    public string Linear(string name, string x, int inputs, int outputs, double gain)
    {
        string w = Builder.Initializer($"{name}.weight", HeUniform(inputs * outputs, inputs, gain), inputs, outputs);
        string bias = Builder.Initializer($"{name}.bias", Uniform(outputs, -0.02, 0.02), outputs);
        return Builder.Op("Add", $"{name}.add", [Builder.Op("MatMul", $"{name}.matmul", [x, w]), bias]);
    }

    /// <summary>
    /// He (Kaiming) uniform weights: variance gain / fan_in. Uniform rather than normal because it
    /// needs only IEEE arithmetic (no Log/Sin), so a seed gives the same bytes on x64 and ARM64.
    /// </summary>
    public float[] HeUniform(int count, int fanIn, double gain)
    {
        double bound = Math.Sqrt(3 * gain / fanIn);
        return Uniform(count, -bound, bound);
    }

    public float[] Uniform(int count, double low, double high)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(low + (high - low) * _random.NextDouble());
        return values;
    }

    public ModelProto Build() => Builder.Build();
}
