using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Onnx.Proto;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Zoo;

/// <summary>
/// A YOLOv5 v6 detector at the "s" scale (width 0.5, depth 0.33): CSP backbone of C3 blocks,
/// SPPF, PANet neck with nearest 2x upsampling, and a 3-scale Detect head (<see cref="YoloV5Detect"/>).
/// Layer indices and value names follow the published yolov5s.yaml ("model.4.m.1.cv2.conv").
/// Input "images" [1,3,640,640], output "output" [1,25200,85].
/// </summary>
internal static class YoloV5
{
    private const double Width = 0.5, Depth = 0.33;

    public static ModelProto Small(int seed)
    {
        // YOLOv5's BatchNorm2d uses eps 1e-3, not PyTorch's default 1e-5.
        var g = new ZooGraph("yolov5s", seed, bnEpsilon: 1e-3f);
        g.Builder.Input("images", DataType.Float32, 1, 3, 640, 640)
            .Output("output", DataType.Float32, 1, 25200, 85);

        // Backbone
        string x0 = Conv(g, "model.0", "images", 3, Ch(64), 6, 2, 2);             // P1/2
        string x1 = Conv(g, "model.1", x0, Ch(64), Ch(128), 3, 2);                 // P2/4
        string x2 = C3(g, "model.2", x1, Ch(128), Ch(128), N(3), shortcut: true);
        string x3 = Conv(g, "model.3", x2, Ch(128), Ch(256), 3, 2);                // P3/8
        string x4 = C3(g, "model.4", x3, Ch(256), Ch(256), N(6), shortcut: true);
        string x5 = Conv(g, "model.5", x4, Ch(256), Ch(512), 3, 2);                // P4/16
        string x6 = C3(g, "model.6", x5, Ch(512), Ch(512), N(9), shortcut: true);
        string x7 = Conv(g, "model.7", x6, Ch(512), Ch(1024), 3, 2);               // P5/32
        string x8 = C3(g, "model.8", x7, Ch(1024), Ch(1024), N(3), shortcut: true);
        string x9 = Sppf(g, "model.9", x8, Ch(1024), Ch(1024));

        // PANet neck: top-down then bottom-up
        string x10 = Conv(g, "model.10", x9, Ch(1024), Ch(512), 1, 1);
        string x11 = Upsample(g, "model.11", x10);
        string x12 = g.Concat("model.12", [x11, x6]);
        string x13 = C3(g, "model.13", x12, Ch(1024), Ch(512), N(3), shortcut: false);
        string x14 = Conv(g, "model.14", x13, Ch(512), Ch(256), 1, 1);
        string x15 = Upsample(g, "model.15", x14);
        string x16 = g.Concat("model.16", [x15, x4]);
        string x17 = C3(g, "model.17", x16, Ch(512), Ch(256), N(3), shortcut: false);  // P3 out
        string x18 = Conv(g, "model.18", x17, Ch(256), Ch(256), 3, 2);
        string x19 = g.Concat("model.19", [x18, x14]);
        string x20 = C3(g, "model.20", x19, Ch(512), Ch(512), N(3), shortcut: false);  // P4 out
        string x21 = Conv(g, "model.21", x20, Ch(512), Ch(512), 3, 2);
        string x22 = g.Concat("model.22", [x21, x10]);
        string x23 = C3(g, "model.23", x22, Ch(1024), Ch(1024), N(3), shortcut: false); // P5 out

        YoloV5Detect.Build(g, "model.24", [x17, x20, x23], [Ch(256), Ch(512), Ch(1024)], inputSize: 640, output: "output");
        return g.Build();
    }

    /// <summary>Channels scaled by the width multiple, rounded up to a multiple of 8 as YOLOv5's make_divisible does.</summary>
    private static int Ch(int channels) => (int)Math.Ceiling(channels * Width / 8) * 8;

    /// <summary>Repeats scaled by the depth multiple, at least one.</summary>
    private static int N(int repeats) => Math.Max((int)Math.Round(repeats * Depth), 1);

    /// <summary>YOLOv5's Conv module: Conv (no bias) + BN + SiLU, "same" padding for odd kernels.</summary>
    internal static string Conv(ZooGraph g, string p, string x, int inC, int outC, int kernel, int stride, int? pad = null,
        double gain = ZooGraph.SiluGain)
    {
        string y = g.Conv($"{p}.conv", x, inC, outC, kernel, stride, pad ?? kernel / 2, gain: gain);
        return g.Silu($"{p}.act", g.BatchNorm($"{p}.bn", y, outC));
    }

    /// <summary>CSP bottleneck with 3 convs: cv3(concat(m(cv1(x)), cv2(x))).</summary>
    private static string C3(ZooGraph g, string p, string x, int inC, int outC, int n, bool shortcut)
    {
        int hidden = outC / 2;
        string a = Conv(g, $"{p}.cv1", x, inC, hidden, 1, 1);
        for (int i = 0; i < n; i++)
        {
            string q = $"{p}.m.{i}";
            string y = Conv(g, $"{q}.cv1", a, hidden, hidden, 1, 1);
            y = Conv(g, $"{q}.cv2", y, hidden, hidden, 3, 1, gain: shortcut ? ZooGraph.ResidualGain(n) : ZooGraph.SiluGain);
            a = shortcut ? g.Add($"{q}.add", a, y) : y;
        }
        string b = Conv(g, $"{p}.cv2", x, inC, hidden, 1, 1);
        return Conv(g, $"{p}.cv3", g.Concat($"{p}.cat", [a, b]), 2 * hidden, outC, 1, 1);
    }

    /// <summary>Spatial pyramid pooling, fast: three chained 5x5 max pools concatenated with their input.</summary>
    private static string Sppf(ZooGraph g, string p, string x, int inC, int outC)
    {
        int hidden = inC / 2;
        string a = Conv(g, $"{p}.cv1", x, inC, hidden, 1, 1);
        string y1 = MaxPool5(g, $"{p}.m.0", a);
        string y2 = MaxPool5(g, $"{p}.m.1", y1);
        string y3 = MaxPool5(g, $"{p}.m.2", y2);
        return Conv(g, $"{p}.cv2", g.Concat($"{p}.cat", [a, y1, y2, y3]), hidden * 4, outC, 1, 1);
    }

    private static string MaxPool5(ZooGraph g, string name, string x) =>
        g.Builder.Op("MaxPool", name, [x],
            OnnxAttr.Ints("kernel_shape", 5, 5), OnnxAttr.Ints("pads", 2, 2, 2, 2), OnnxAttr.Ints("strides", 1, 1));

    /// <summary>nn.Upsample(scale_factor=2, mode='nearest') as PyTorch exports it: Resize with scales.</summary>
    private static string Upsample(ZooGraph g, string name, string x)
    {
        string scales = g.Builder.Initializer($"{name}.scales", [1f, 1f, 2f, 2f], 4);
        return g.Builder.Op("Resize", name, [x, "", scales],
            OnnxAttr.String("coordinate_transformation_mode", "asymmetric"),
            OnnxAttr.String("mode", "nearest"),
            OnnxAttr.String("nearest_mode", "floor"));
    }
}
