using EdgeAgent.Engine.Onnx.Proto;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Zoo;

/// <summary>
/// MobileNetV2 (width 1.0) in torchvision's layout and names: inverted residual blocks of
/// 1x1 expand, 3x3 depthwise and linear 1x1 projection, ReLU6 as Clip. Input "input"
/// [N,3,224,224], output "logits" [N,1000].
/// </summary>
internal static class MobileNetV2
{
    /// <summary>(expansion t, output channels c, repeats n, first stride s) per stage, from the paper's Table 2.</summary>
    private static readonly (int T, int C, int N, int S)[] Stages =
        [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];

    public static ModelProto Build(int seed)
    {
        var g = new ZooGraph("mobilenetv2", seed);
        g.Builder.Input("input", DataType.Float32, "N", 3, 224, 224)
            .Output("logits", DataType.Float32, "N", 1000);

        string x = ConvBnRelu6(g, "features.0", "input", 3, 32, 3, 2, 1);
        int channels = 32, index = 1;
        int residualBlocks = Stages.Sum(s => s.N - 1);
        foreach (var (t, c, n, s) in Stages)
        {
            for (int i = 0; i < n; i++)
            {
                x = InvertedResidual(g, $"features.{index++}", x, channels, c, i == 0 ? s : 1, t, residualBlocks);
                channels = c;
            }
        }
        x = ConvBnRelu6(g, $"features.{index}", x, channels, 1280, 1, 1, 0);
        g.Classifier("avgpool", "classifier.1", x, 1280, 1000, "logits");
        return g.Build();
    }

    private static string InvertedResidual(ZooGraph g, string p, string x, int inC, int outC, int stride, int t, int residualBlocks)
    {
        int hidden = inC * t;
        bool residual = stride == 1 && inC == outC;
        string y = x;
        int layer = 0;
        if (t != 1) y = ConvBnRelu6(g, $"{p}.conv.{layer++}", y, inC, hidden, 1, 1, 0);
        y = ConvBnRelu6(g, $"{p}.conv.{layer++}", y, hidden, hidden, 3, stride, 1, group: hidden);
        double gain = residual ? ZooGraph.ResidualGain(residualBlocks) : ZooGraph.LinearGain;
        y = g.Conv($"{p}.conv.{layer}", y, hidden, outC, 1, 1, 0, gain: gain);
        y = g.BatchNorm($"{p}.conv.{layer + 1}", y, outC);
        return residual ? g.Add($"{p}.add", x, y) : y;
    }

    private static string ConvBnRelu6(ZooGraph g, string p, string x, int inC, int outC, int kernel, int stride, int pad, int group = 1)
    {
        string y = g.Conv($"{p}.0", x, inC, outC, kernel, stride, pad, group);
        return g.Relu6($"{p}.2", g.BatchNorm($"{p}.1", y, outC));
    }
}
