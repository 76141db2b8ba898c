using EdgeAgent.Camera.Processing.Post.Text;
using EdgeAgent.Camera.Processing.Pre;

namespace EdgeAgent.Camera.Tests.Processing;

public class TextDetectionTests
{
    private const int W = 200, H = 120;

    private static void FillRotatedRect(float[] map, float cx, float cy, float w, float h, float degrees, float value)
    {
        float a = degrees * MathF.PI / 180, c = MathF.Cos(a), s = MathF.Sin(a);
        for (int y = 0; y < H; y++)
        {
            for (int x = 0; x < W; x++)
            {
                float dx = x + 0.5f - cx, dy = y + 0.5f - cy;
                float u = dx * c + dy * s, v = -dx * s + dy * c;
                if (Math.Abs(u) <= w / 2 && Math.Abs(v) <= h / 2)
                    map[y * W + x] = value;
            }
        }
    }

    [Fact]
    public void Min_area_rect_of_a_rotated_square()
    {
        Point2[] pts = [new(0, 5), new(5, 0), new(10, 5), new(5, 10), new(5, 5), new(3, 4)];
        var r = RotatedRect.MinAreaOf(pts);
        Assert.Equal(50, r.Area, 1e-3);
        Assert.Equal((5f, 5f), (r.CenterX, r.CenterY));
        Assert.Equal(45, Math.Abs(r.AngleRadians * 180 / MathF.PI), 1e-3);
    }

    [Fact]
    public void Db_finds_text_regions_and_unclips_them()
    {
        var map = new float[W * H];
        FillRotatedRect(map, 50, 30, 40, 10, 0, 0.9f);    // axis-aligned line of text
        FillRotatedRect(map, 130, 80, 60, 12, 30, 0.8f);  // rotated line of text
        FillRotatedRect(map, 20, 100, 12, 12, 0, 0.4f);   // above threshold, mean below BoxThreshold
        FillRotatedRect(map, 180, 10, 2, 2, 0, 0.95f);    // a speck: below MinSize

        var boxes = new DbPostprocessor(new DbOptions()).Run(map, W, H, ResizeGeometry.Identity(W, H));
        Assert.Equal(2, boxes.Count);

        // 40x10 kernel: area 400, perimeter 100, unclip distance 400*1.5/100 = 6 → 52x22.
        TextBox flat = boxes.Single(b => b.Center.X < 100);
        Assert.Equal(0.9f, flat.Score, 1e-5);
        Assert.Equal((50f, 30f), (flat.Center.X, flat.Center.Y));
        Assert.Equal(52, flat.Width, 1e-3);
        Assert.Equal(22, flat.Height, 1e-3);
        Assert.Equal(0, flat.Angle, 1e-3);
        Assert.Equal([new Point2(24, 19), new Point2(76, 19), new Point2(76, 41), new Point2(24, 41)], flat.Corners);

        // 60x12 at 30°: 75x27 after unclipping (distance 720*1.5/144 = 7.5), plus up to a pixel
        // or so per side because the hull is taken over whole pixel squares of a rasterised edge.
        TextBox tilted = boxes.Single(b => b.Center.X > 100);
        Assert.Equal(30, tilted.Angle, 2.5);
        Assert.InRange(tilted.Width, 75, 79);
        Assert.InRange(tilted.Height, 27, 31);
        Assert.Equal(130, tilted.Center.X, 1.0);
        Assert.Equal(80, tilted.Center.Y, 1.0);
    }

    [Fact]
    public void Db_boxes_map_back_through_the_letterbox_and_a_lower_resolution_map()
    {
        // Source 400x240 letterboxed into 200x200 (scale 0.5, padY 40); the map is at half the input resolution.
        var g = ResizeGeometry.Compute(400, 240, 200, 200, ResizeMode.Letterbox);
        var map = new float[100 * 100];
        for (int y = 40; y < 50; y++)
            for (int x = 20; x < 60; x++)
                map[y * 100 + x] = 0.9f;
        var box = Assert.Single(new DbPostprocessor(new DbOptions { UnclipRatio = 0 }).Run(map, 100, 100, g));
        // Map (20..60, 40..50) → input (40..120, 80..100) → source (80..240, 80..120).
        Assert.Equal([new Point2(80, 80), new Point2(240, 80), new Point2(240, 120), new Point2(80, 120)], box.Corners);
        Assert.Equal((160f, 100f), (box.Center.X, box.Center.Y));
    }

    [Fact]
    public void Empty_map_and_bad_arguments()
    {
        var db = new DbPostprocessor(new DbOptions());
        Assert.Empty(db.Run(new float[W * H], W, H, ResizeGeometry.Identity(W, H)));
        Assert.Throws<ArgumentException>(() => db.Run(new float[10], W, H, ResizeGeometry.Identity(W, H)));
        Assert.Throws<CameraConfigException>(() => new DbPostprocessor(new DbOptions { Threshold = 1.5f }));
        Assert.Throws<CameraConfigException>(() => new DbPostprocessor(new DbOptions { MaxCandidates = 0 }));
    }

    [Fact]
    public void Text_boxes_serialize_cleanly()
    {
        var box = new TextBox([new(1, 2), new(3, 2), new(3, 4), new(1, 4)], new(2, 3), 2, 2, 0, 0.75f);
        string json = System.Text.Json.JsonSerializer.Serialize(box);
        Assert.StartsWith("{\"Corners\":[{\"X\":1,\"Y\":2},", json);
        Assert.EndsWith("\"Angle\":0,\"Score\":0.75}", json);
    }
}
