using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Processing.Pre;

namespace EdgeAgent.Camera.Tests.Processing;

public class PreprocessorTests
{
    private static byte[] RandomImage(int w, int h, int seed)
    {
        var bytes = new byte[w * h * 3];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(1920, 1080, 640, 640, 640, 360, 0, 140)]
    [InlineData(640, 480, 640, 640, 640, 480, 0, 80)]
    [InlineData(480, 640, 640, 640, 480, 640, 80, 0)]
    [InlineData(100, 100, 320, 160, 160, 160, 80, 0)]
    public void Letterbox_geometry(int sw, int sh, int iw, int ih, int cw, int ch, int px, int py)
    {
        var g = ResizeGeometry.Compute(sw, sh, iw, ih, ResizeMode.Letterbox);
        Assert.Equal((cw, ch, px, py), (g.ContentWidth, g.ContentHeight, g.PadX, g.PadY));
        var (x, y) = g.ToSource(px + cw, py + ch);
        Assert.Equal(sw, x, 0.01);
        Assert.Equal(sh, y, 0.01);
        var back = g.ToInput(sw / 2f, sh / 2f);
        Assert.Equal(iw / 2f, back.X, 0.6);
        Assert.Equal(ih / 2f, back.Y, 0.6);
    }

    [Fact]
    public void Stretch_geometry_scales_axes_independently()
    {
        var g = ResizeGeometry.Compute(1920, 1080, 640, 640, ResizeMode.Stretch);
        Assert.Equal((1 / 3f, 640 / 1080f, 0, 0), (g.ScaleX, g.ScaleY, g.PadX, g.PadY));
        Assert.Equal((960f, 540f), g.ToSource(320, 320));
    }

    [Fact]
    public void Letterboxed_constant_image_is_normalized_and_padded()
    {
        var config = PreprocessConfig.Yolo(64) with { Mean = [0.5f, 0.25f, 0f], Std = [0.5f, 0.25f, 2f] };
        var image = new byte[128 * 64 * 3];
        for (int i = 0; i < image.Length; i += 3)
            (image[i], image[i + 1], image[i + 2]) = (255, 51, 0);
        var tensor = new float[config.TensorLength];
        var g = new Preprocessor(config).Run(image, new FrameGeometry(128, 64, PixelFormat.Rgb24), tensor);

        Assert.Equal((64, 32, 0, 16), (g.ContentWidth, g.ContentHeight, g.PadX, g.PadY));
        float[] content = [(1f - 0.5f) / 0.5f, (0.2f - 0.25f) / 0.25f, 0f];
        float[] pad = [(114 / 255f - 0.5f) / 0.5f, (114 / 255f - 0.25f) / 0.25f, 114 / 255f / 2f];
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < 64; y++)
            {
                float expected = y is >= 16 and < 48 ? content[c] : pad[c];
                for (int x = 0; x < 64; x++)
                    Assert.Equal(expected, tensor[c * 64 * 64 + y * 64 + x], 1e-5);
            }
        }
    }

    [Fact]
    public void Same_size_copies_pixels_exactly_and_swaps_bgr_to_rgb()
    {
        var config = new PreprocessConfig { Width = 5, Height = 4, Scale = 1, Channels = ChannelOrder.Rgb };
        byte[] bgr = RandomImage(5, 4, 1);
        var tensor = new float[config.TensorLength];
        new Preprocessor(config).Run(bgr, new FrameGeometry(5, 4, PixelFormat.Bgr24), tensor);
        for (int y = 0; y < 4; y++)
        {
            for (int x = 0; x < 5; x++)
            {
                int i = (y * 5 + x) * 3;
                Assert.Equal(bgr[i + 2], tensor[0 * 20 + y * 5 + x]); // R plane from the third byte
                Assert.Equal(bgr[i + 1], tensor[1 * 20 + y * 5 + x]);
                Assert.Equal(bgr[i + 0], tensor[2 * 20 + y * 5 + x]);
            }
        }
    }

    [Theory]
    [InlineData(37, 23, 16, 16, ResizeMode.Stretch)]
    [InlineData(5, 4, 13, 11, ResizeMode.Stretch)]
    [InlineData(64, 48, 40, 40, ResizeMode.Letterbox)]
    [InlineData(30, 70, 32, 32, ResizeMode.Letterbox)]
    public void Bilinear_matches_a_plain_reference(int sw, int sh, int iw, int ih, ResizeMode mode)
    {
        var config = new PreprocessConfig { Width = iw, Height = ih, Resize = mode, Channels = ChannelOrder.Bgr, Scale = 1 };
        byte[] rgb = RandomImage(sw, sh, sw * 31 + ih);
        var tensor = new float[config.TensorLength];
        var g = new Preprocessor(config).Run(rgb, new FrameGeometry(sw, sh, PixelFormat.Rgb24), tensor);

        for (int c = 0; c < 3; c++)
        {
            int srcChannel = 2 - c; // BGR model from RGB frame
            for (int y = 0; y < g.ContentHeight; y++)
            {
                for (int x = 0; x < g.ContentWidth; x++)
                {
                    double sx = Math.Clamp((x + 0.5) / g.ScaleX - 0.5, 0, sw - 1), sy = Math.Clamp((y + 0.5) / g.ScaleY - 0.5, 0, sh - 1);
                    int x0 = (int)sx, y0 = (int)sy, x1 = Math.Min(x0 + 1, sw - 1), y1 = Math.Min(y0 + 1, sh - 1);
                    double fx = sx - x0, fy = sy - y0;
                    double P(int px, int py) => rgb[(py * sw + px) * 3 + srcChannel];
                    double expected = (P(x0, y0) * (1 - fx) + P(x1, y0) * fx) * (1 - fy) + (P(x0, y1) * (1 - fx) + P(x1, y1) * fx) * fy;
                    Assert.Equal(expected, tensor[c * iw * ih + (y + g.PadY) * iw + x + g.PadX], 1e-3);
                }
            }
        }
    }

    [Fact]
    public void Writes_into_a_slice_of_a_larger_engine_buffer_and_nowhere_else()
    {
        var config = PreprocessConfig.ImageNet(8);
        var engineBuffer = new float[config.TensorLength + 20];
        engineBuffer.AsSpan().Fill(float.NaN);
        new Preprocessor(config).Run(RandomImage(16, 16, 3), new FrameGeometry(16, 16, PixelFormat.Rgb24), engineBuffer.AsSpan(10, config.TensorLength));
        Assert.All(engineBuffer[..10], v => Assert.True(float.IsNaN(v)));
        Assert.All(engineBuffer[^10..], v => Assert.True(float.IsNaN(v)));
        Assert.All(engineBuffer[10..^10], v => Assert.InRange(v, -2.2f, 2.7f)); // ImageNet-normalized range
    }

    [Fact]
    public void Steady_state_allocates_nothing()
    {
        var pre = new Preprocessor(PreprocessConfig.Yolo(320));
        byte[] frame = RandomImage(640, 360, 5);
        var tensor = new float[pre.Config.TensorLength];
        var geometry = new FrameGeometry(640, 360, PixelFormat.Bgr24);
        pre.Run(frame, geometry, tensor); // warm-up builds the tables
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
            pre.Run(frame, geometry, tensor);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Too_small_buffers_are_rejected()
    {
        var pre = new Preprocessor(PreprocessConfig.Yolo(32));
        var geometry = new FrameGeometry(16, 16, PixelFormat.Rgb24);
        Assert.Throws<ArgumentException>(() => pre.Run(new byte[10], geometry, new float[pre.Config.TensorLength]));
        Assert.Throws<ArgumentException>(() => pre.Run(new byte[geometry.ByteCount], geometry, new float[10]));
    }
}

public class PreprocessConfigTests
{
    [Fact]
    public void Json_round_trip_is_readable_and_equal()
    {
        var config = PreprocessConfig.ImageNet(224) with { Channels = ChannelOrder.Bgr };
        string json = config.ToJson();
        Assert.Contains("\"resize\":\"Stretch\"", json);
        Assert.Contains("\"channels\":\"Bgr\"", json);
        Assert.Contains("\"mean\":[0.485,0.456,0.406]", json);
        var back = PreprocessConfig.FromJson(json);
        Assert.Equal(config, back);
        Assert.NotSame(config.Mean, back.Mean);
        Assert.NotEqual(config, back with { Std = [1, 1, 1] });
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("{\"width\":\"wide\"}", "not valid JSON")]
    [InlineData("{\"resize\":\"Squash\"}", "not valid JSON")]
    [InlineData("{\"colour\":\"red\"}", "not valid JSON")]
    [InlineData("null", "null")]
    [InlineData("{\"width\":0}", "out of range")]
    [InlineData("{\"mean\":[0.5,0.5]}", "exactly 3")]
    [InlineData("{\"std\":[1,0,1]}", "positive")]
    [InlineData("{\"std\":[1,-1,1]}", "positive")]
    [InlineData("{\"scale\":0}", "non-zero")]
    [InlineData("{\"resize\":7}", "unknown value")]
    public void Malformed_configs_give_clear_errors(string json, string expected)
    {
        var ex = Assert.Throws<CameraConfigException>(() => PreprocessConfig.FromJson(json));
        Assert.Contains(expected, ex.Message);
    }
}
