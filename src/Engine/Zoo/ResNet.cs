using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Onnx.Proto;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Zoo;

/// <summary>
/// ResNet in torchvision's layout (v1.5: a bottleneck strides in its 3x3 conv), with value
/// names as torchvision's state dict spells them. Input "input" [N,3,224,224], output "logits" [N,1000].
/// </summary>
internal static class ResNet
{
    private static readonly int[] Planes = [64, 128, 256, 512];

    public static ModelProto ResNet18(int seed) => Build("resnet18", [2, 2, 2, 2], bottleneck: false, seed);

    public static ModelProto ResNet50(int seed) => Build("resnet50", [3, 4, 6, 3], bottleneck: true, seed);

    private static ModelProto Build(string name, int[] blocks, bool bottleneck, int seed)
    {
        var g = new ZooGraph(name, seed);
        g.Builder.Input("input", DataType.Float32, "N", 3, 224, 224)
            .Output("logits", DataType.Float32, "N", 1000);

        string x = g.Conv("conv1", "input", 3, 64, kernel: 7, stride: 2, pad: 3);
        x = g.Relu("relu", g.BatchNorm("bn1", x, 64));
        x = g.Builder.Op("MaxPool", "maxpool", [x],
            OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1), OnnxAttr.Ints("strides", 2, 2));

        int expansion = bottleneck ? 4 : 1;
        int totalBlocks = blocks.Sum();
        int channels = 64;
        for (int stage = 0; stage < blocks.Length; stage++)
        {
            for (int b = 0; b < blocks[stage]; b++)
            {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                string prefix = $"layer{stage + 1}.{b}";
                x = bottleneck
                    ? Bottleneck(g, prefix, x, channels, Planes[stage], stride, totalBlocks)
                    : BasicBlock(g, prefix, x, channels, Planes[stage], stride, totalBlocks);
                channels = Planes[stage] * expansion;
            }
        }
        g.Classifier("avgpool", "fc", x, channels, 1000, "logits");
        return g.Build();
    }

    private static string BasicBlock(ZooGraph g, string p, string x, int inC, int planes, int stride, int totalBlocks)
    {
        string y = g.Relu($"{p}.relu1", g.BatchNorm($"{p}.bn1", g.Conv($"{p}.conv1", x, inC, planes, 3, stride, 1), planes));
        y = g.BatchNorm($"{p}.bn2", g.Conv($"{p}.conv2", y, planes, planes, 3, 1, 1, gain: ZooGraph.ResidualGain(totalBlocks)), planes);
        return g.Relu($"{p}.relu2", g.Add($"{p}.add", y, Shortcut(g, p, x, inC, planes, stride)));
    }

    private static string Bottleneck(ZooGraph g, string p, string x, int inC, int planes, int stride, int totalBlocks)
    {
        int outC = planes * 4;
        string y = g.Relu($"{p}.relu1", g.BatchNorm($"{p}.bn1", g.Conv($"{p}.conv1", x, inC, planes, 1, 1, 0), planes));
        y = g.Relu($"{p}.relu2", g.BatchNorm($"{p}.bn2", g.Conv($"{p}.conv2", y, planes, planes, 3, stride, 1), planes));
        y = g.BatchNorm($"{p}.bn3", g.Conv($"{p}.conv3", y, planes, outC, 1, 1, 0, gain: ZooGraph.ResidualGain(totalBlocks)), outC);
        return g.Relu($"{p}.relu3", g.Add($"{p}.add", y, Shortcut(g, p, x, inC, outC, stride)));
    }

    /// <summary>Identity, or a strided 1x1 conv + BN where the block changes resolution or width.</summary>
    private static string Shortcut(ZooGraph g, string p, string x, int inC, int outC, int stride)
    {
        if (stride == 1 && inC == outC) return x;
        string conv = g.Conv($"{p}.downsample.0", x, inC, outC, 1, stride, 0, gain: ZooGraph.LinearGain);
        return g.BatchNorm($"{p}.downsample.1", conv, outC);
    }
}
