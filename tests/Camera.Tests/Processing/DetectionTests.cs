using EdgeAgent.Camera.Processing.Post.Detection;
using EdgeAgent.Camera.Processing.Pre;

namespace EdgeAgent.Camera.Tests.Processing;

public class DetectionTests
{
    [Fact]
    public void IoU_of_hand_built_boxes()
    {
        var a = new BoundingBox(0, 0, 10, 10);
        Assert.Equal(1f, a.IoU(a));
        Assert.Equal(0f, a.IoU(new BoundingBox(10, 0, 20, 10))); // touching edges
        Assert.Equal(50f / 150f, a.IoU(new BoundingBox(5, 0, 15, 10)), 1e-6);
        Assert.Equal(25f / 175f, a.IoU(new BoundingBox(5, 5, 15, 15)), 1e-6);
    }

    [Fact]
    public void Nms_is_class_aware()
    {
        Candidate[] boxes =
        [
            new(new BoundingBox(0, 0, 10, 10), 0.6f, 0),
            new(new BoundingBox(1, 0, 11, 10), 0.9f, 0),   // IoU 0.82 with the first: suppresses it
            new(new BoundingBox(1, 1, 11, 11), 0.8f, 1),   // same place, other class: kept
            new(new BoundingBox(3, 0, 13, 10), 0.7f, 0),   // IoU 80/120 with the best (>0.5): suppressed
            new(new BoundingBox(50, 50, 60, 60), 0.3f, 0), // far away: kept
        ];
        int kept = Nms.Apply(boxes, 0.5f, 100);
        Assert.Equal([(0.9f, 0), (0.8f, 1), (0.3f, 0)], boxes[..kept].Select(c => (c.Score, c.ClassId)));

        Candidate[] again = [.. boxes[..kept]];
        Assert.Equal(2, Nms.Apply(again, 0.5f, 100, classAware: false)); // class-agnostic merges the 0.8 box
        Assert.Equal(1, Nms.Apply(boxes[..kept].ToArray(), 0.5f, maxKept: 1));
    }

    private static float[] V5Output(int classes, params (float cx, float cy, float w, float h, float obj, int cls, float clsScore)[] boxes)
    {
        int stride = 5 + classes;
        var output = new float[(boxes.Length + 1) * stride]; // plus one empty row (objectness 0)
        for (int b = 0; b < boxes.Length; b++)
        {
            var (cx, cy, w, h, obj, cls, s) = boxes[b];
            output[b * stride + 0] = cx;
            output[b * stride + 1] = cy;
            output[b * stride + 2] = w;
            output[b * stride + 3] = h;
            output[b * stride + 4] = obj;
            output[b * stride + 5 + cls] = s;
            output[b * stride + 5 + (cls + 1) % classes] = s / 2; // a weaker runner-up class
        }
        return output;
    }

    [Fact]
    public void Yolo_v5_decode_undoes_the_letterbox()
    {
        // A 1280x720 frame letterboxed into 640x640: scale 0.5, 140 px of padding above and below.
        var g = ResizeGeometry.Compute(1280, 720, 640, 640, ResizeMode.Letterbox);
        float[] output = V5Output(3,
            (320, 320, 100, 50, 0.9f, 1, 0.8f),   // kept: 0.72
            (322, 321, 100, 50, 0.8f, 1, 0.8f),   // duplicate of the first: suppressed
            (100, 200, 40, 40, 0.5f, 2, 0.4f),    // 0.2 < 0.25: below threshold
            (600, 150, 80, 40, 0.95f, 0, 0.9f));  // partly in the padding/edge: clamped
        var decoder = new YoloDecoder(new YoloOptions { ClassCount = 3 }, ["person", "car", "dog"]);
        var dets = decoder.Decode(output, g);

        Assert.Equal(2, dets.Count);
        Assert.Equal(("person", 0.855f), (dets[0].Label, dets[0].Score), new ScoreComparer());
        Assert.Equal(("car", 0.72f), (dets[1].Label, dets[1].Score), new ScoreComparer());
        Assert.Equal(new BoundingBox(540, 310, 740, 410), dets[1].Box);
        Assert.Equal(new BoundingBox(1120, 0, 1280, 60), dets[0].Box); // x2 1280 clamped, y1 (130-140)*2 clamped to 0
    }

    [Fact]
    public void Yolo_v8_layout_gives_the_same_detections_as_v5()
    {
        var g = ResizeGeometry.Compute(640, 480, 640, 640, ResizeMode.Letterbox);
        float[] v5 = V5Output(2, (100, 200, 50, 60, 1f, 0, 0.9f), (400, 300, 80, 20, 1f, 1, 0.6f));
        int boxes = v5.Length / 7;
        var v8 = new float[boxes * 6];
        for (int b = 0; b < boxes; b++)
        {
            for (int k = 0; k < 4; k++)
                v8[k * boxes + b] = v5[b * 7 + k];
            for (int c = 0; c < 2; c++)
                v8[(4 + c) * boxes + b] = v5[b * 7 + 4] * v5[b * 7 + 5 + c];
        }
        var a = new YoloDecoder(new YoloOptions { ClassCount = 2 }).Decode(v5, g);
        var b8 = new YoloDecoder(new YoloOptions { ClassCount = 2, Layout = YoloLayout.V8 }).Decode(v8, g);
        Assert.Equal(a, b8);
        Assert.Equal(new BoundingBox(75, 90, 125, 150), a[0].Box);
    }

    [Fact]
    public void Bad_outputs_and_options_are_rejected()
    {
        var decoder = new YoloDecoder(new YoloOptions { ClassCount = 80 });
        var ex = Assert.Throws<ArgumentException>(() => decoder.Decode(new float[84 * 10], ResizeGeometry.Identity(640, 640)));
        Assert.Contains("not a multiple of 85", ex.Message);
        Assert.Throws<CameraConfigException>(() => new YoloDecoder(new YoloOptions { ClassCount = 0 }));
        Assert.Throws<CameraConfigException>(() => new YoloDecoder(new YoloOptions { IouThreshold = 0 }));
    }

    [Fact]
    public void Detections_serialize_to_plain_json()
    {
        var d = new Detection(2, "dog", 0.5f, new BoundingBox(1, 2, 3, 4));
        string json = System.Text.Json.JsonSerializer.Serialize(d);
        Assert.Equal("{\"ClassId\":2,\"Label\":\"dog\",\"Score\":0.5,\"Box\":{\"X1\":1,\"Y1\":2,\"X2\":3,\"Y2\":4,\"Width\":2,\"Height\":2,\"Area\":4}}", json);
    }

    private sealed class ScoreComparer : IEqualityComparer<(string, float)>
    {
        public bool Equals((string, float) x, (string, float) y) => x.Item1 == y.Item1 && Math.Abs(x.Item2 - y.Item2) < 1e-5;
        public int GetHashCode((string, float) obj) => obj.Item1.GetHashCode();
    }
}
