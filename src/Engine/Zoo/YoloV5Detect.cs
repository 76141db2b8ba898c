using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Zoo;

/// <summary>
/// YOLOv5's Detect head as its ONNX export computes it: per scale a 1x1 conv to 3x85 channels,
/// Reshape [1,3,85,H,W], Transpose to [1,3,H,W,85], Sigmoid, then box decoding
/// xy = (2s - 0.5 + grid) * stride and wh = (2s)^2 * anchor, and Reshape to [1, 3HW, 85].
/// The three scales are concatenated into [1, 25200, 85] for a 640x640 input.
/// </summary>
internal static class YoloV5Detect
{
    private const int Classes = 80, Anchors = 3, PerAnchor = Classes + 5;

    private static readonly int[] Strides = [8, 16, 32];

    /// <summary>Anchor (width, height) pairs in pixels for strides 8, 16 and 32 (the COCO defaults).</summary>
    private static readonly float[][] AnchorSizes =
    [
        [10, 13, 16, 30, 33, 23],
        [30, 61, 62, 45, 59, 119],
        [116, 90, 156, 198, 373, 326],
    ];

    public static void Build(ZooGraph g, string p, IReadOnlyList<string> features, IReadOnlyList<int> channels, int inputSize, string output)
    {
        var b = g.Builder;
        string two = b.Initializer($"{p}.two", [2f]);
        var levels = new List<string>();
        for (int i = 0; i < features.Count; i++)
        {
            int stride = Strides[i], size = inputSize / stride;
            string q = $"{p}.m.{i}";
            string conv = g.Conv(q, features[i], channels[i], Anchors * PerAnchor, 1, 1, 0,
                bias: PriorBias(g, stride, inputSize), gain: ZooGraph.LinearGain);
            string shape5 = b.Initializer($"{q}.shape", [1L, Anchors, PerAnchor, size, size], 5);
            string x = b.Op("Reshape", $"{q}.reshape", [conv, shape5]);
            x = b.Op("Transpose", $"{q}.transpose", [x], OnnxAttr.Ints("perm", 0, 1, 3, 4, 2));
            x = b.Op("Sigmoid", $"{q}.sigmoid", [x]);

            string splitSizes = b.Initializer($"{q}.split", [2L, 2L, PerAnchor - 4], 3);
            var parts = b.Node("Split", $"{q}.split_xywh", [x, splitSizes], [$"{q}.xy", $"{q}.wh", $"{q}.conf"], OnnxAttr.Int("axis", 4));

            string grid = b.Initializer($"{q}.grid", Grid(size), 1, Anchors, size, size, 2);
            string strideValue = b.Initializer($"{q}.stride", [(float)stride]);
            string xy = b.Op("Mul", $"{q}.xy_scaled", [parts[0], two]);
            xy = b.Op("Add", $"{q}.xy_grid", [xy, grid]);
            xy = b.Op("Mul", $"{q}.xy_pixels", [xy, strideValue]);

            string anchorGrid = b.Initializer($"{q}.anchor_grid", AnchorGrid(i), 1, Anchors, 1, 1, 2);
            string wh = b.Op("Mul", $"{q}.wh_scaled", [parts[1], two]);
            wh = b.Op("Pow", $"{q}.wh_squared", [wh, two]);
            wh = b.Op("Mul", $"{q}.wh_pixels", [wh, anchorGrid]);

            string decoded = g.Concat($"{q}.decoded", [xy, wh, parts[2]], axis: 4);
            string flat = b.Initializer($"{q}.flat_shape", [1L, -1L, PerAnchor], 3);
            levels.Add(b.Op("Reshape", $"{q}.flat", [decoded, flat]));
        }
        b.Op("Concat", output, levels, OnnxAttr.Int("axis", 1));
    }

    /// <summary>Cell offsets (x - 0.5, y - 0.5) per anchor and cell, folding the decode's -0.5 in as YOLOv5 v6 does.</summary>
    private static float[] Grid(int size)
    {
        var grid = new float[Anchors * size * size * 2];
        int k = 0;
        for (int a = 0; a < Anchors; a++)
        {
            for (int y = 0; y < size; y++)
            {
                for (int x = 0; x < size; x++)
                {
                    grid[k++] = x - 0.5f;
                    grid[k++] = y - 0.5f;
                }
            }
        }
        return grid;
    }

    /// <summary>
    /// YOLOv5's bias initialization: objectness starts near 8 objects per 640x640 image and class
    /// scores near 0.6/80, so the untrained head's confidences look like a real detector's.
    /// </summary>
    private static float[] PriorBias(ZooGraph g, int stride, int inputSize)
    {
        float[] bias = g.Uniform(Anchors * PerAnchor, -0.05, 0.05);
        double cells = (double)inputSize / stride * (inputSize / stride);
        for (int a = 0; a < Anchors; a++)
        {
            bias[a * PerAnchor + 4] += (float)Math.Log(8 / cells);
            for (int c = 5; c < PerAnchor; c++) bias[a * PerAnchor + c] += (float)Math.Log(0.6 / (Classes - 0.99));
        }
        return bias;
    }

    private static float[] AnchorGrid(int level) => [.. AnchorSizes[level]];
}
