using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Processing.Post.Text;
using EdgeAgent.Camera.Processing.Pre;

namespace EdgeAgent.Camera.Tests.Processing;

/// <summary>CTC decoding of recognizer output and the line crops fed to the recognizer.</summary>
public sealed class TextRecognitionTests(ITestOutputHelper output)
{
    private static readonly CtcDecoder Abc = new(["a", "b", "c", " "]);

    /// <summary>One step per class index, that class at probability <paramref name="p"/>, the rest sharing what is left.</summary>
    private static float[] Steps(float p, params int[] classes)
    {
        int n = Abc.Classes;
        var data = new float[classes.Length * n];
        for (int t = 0; t < classes.Length; t++)
            for (int c = 0; c < n; c++)
                data[t * n + c] = c == classes[t] ? p : (1 - p) / (n - 1);
        return data;
    }

    [Fact]
    public void Repeats_collapse_and_a_blank_separates_them()
    {
        // a a _ a b b _ _ c ' ' c: "a a" is one a, the blank lets the next a count, "b b" is one b.
        var text = Abc.Decode(Steps(0.8f, 1, 1, 0, 1, 2, 2, 0, 0, 3, 4, 3), 11);
        Assert.Equal("aabc c", text.Text);
        Assert.Equal(0.8f, text.Confidence, 1e-6f);
    }

    [Fact]
    public void Confidence_is_the_mean_of_the_characters_kept_and_zero_for_none()
    {
        int n = Abc.Classes;
        var data = new float[3 * n];
        data[0 * n + 1] = 0.9f;   // a
        data[1 * n + 1] = 0.95f;  // a again: collapsed, not counted
        data[2 * n + 2] = 0.5f;   // b
        var text = Abc.Decode(data, 3);
        Assert.Equal("ab", text.Text);
        Assert.Equal((0.9f + 0.5f) / 2, text.Confidence, 1e-6f);

        var blank = Abc.Decode(Steps(0.7f, 0, 0, 0), 3);
        Assert.Equal("", blank.Text);
        Assert.Equal(0, blank.Confidence);
    }

    [Fact]
    public void Random_outputs_decode_like_a_plain_argmax_collapse()
    {
        int seed = Random.Shared.Next();
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        int n = Abc.Classes, steps = 40;
        var data = new float[steps * n];
        for (int i = 0; i < data.Length; i++) data[i] = (float)random.NextDouble();
        string[] chars = ["", "a", "b", "c", " "];
        var expected = new System.Text.StringBuilder();
        int previous = -1;
        for (int t = 0; t < steps; t++)
        {
            int best = 0;
            for (int c = 1; c < n; c++) if (data[t * n + c] > data[t * n + best]) best = c;
            if (best != previous && best != 0) expected.Append(chars[best]);
            previous = best;
        }
        Assert.Equal(expected.ToString(), Abc.Decode(data, steps).Text);
    }

    [Fact]
    public void A_wrong_output_size_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Abc.Decode(new float[11], 2));
        Assert.Contains("2 steps of 5 classes need 10", e.Message);
    }

    [Fact]
    public void A_dictionary_file_gives_its_lines_then_a_space()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "x\n字\ny\n");
            var decoder = CtcDecoder.FromDictionary(path);
            Assert.Equal(5, decoder.Classes);
            var text = decoder.Decode(Steps(0.9f, 2, 0, 4, 1, 3), 5);
            Assert.Equal("字 xy", text.Text);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("a\nbc\n", "line 2 holds 'bc', not one character")]
    [InlineData("a\n\nb\n", "line 2 holds '', not one character")]
    public void A_bad_dictionary_is_one_line_naming_the_file(string content, string message)
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, content);
            var e = Assert.Throws<CameraConfigException>(() => CtcDecoder.FromDictionary(path));
            Assert.Contains(path, e.Message);
            Assert.Contains(message, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_missing_dictionary_is_one_line()
    {
        var e = Assert.Throws<CameraConfigException>(() => CtcDecoder.FromDictionary("/nonexistent/keys.txt"));
        Assert.StartsWith("character dictionary '/nonexistent/keys.txt' cannot be read", e.Message);
    }

    /// <summary>A frame whose pixel (x, y) is (x, y, x + y) in RGB, so a sample shows where it came from.</summary>
    private static byte[] Gradient(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int at = (y * width + x) * 3;
                pixels[at] = (byte)x;
                pixels[at + 1] = (byte)y;
                pixels[at + 2] = (byte)(x + y);
            }
        return pixels;
    }

    private static float Value(byte v) => v / 255f * 2 - 1;

    [Fact]
    public void An_axis_aligned_box_crops_its_pixels_exactly_then_pads_with_zeros()
    {
        var frame = new FrameGeometry(100, 80, PixelFormat.Rgb24);
        var pixels = Gradient(100, 80);
        Point2[] quad = [new(10, 20), new(40, 20), new(40, 30), new(10, 30)]; // 30x10 pixels
        int h = 10, w = 50, content = TextLineCrop.ContentWidth(quad, h, w);
        Assert.Equal(30, content);
        var tensor = new float[3 * h * w];
        TextLineCrop.Write(pixels, frame, quad, content, h, w, ChannelOrder.Bgr, tensor);
        int plane = h * w;
        for (int v = 0; v < h; v++)
            for (int u = 0; u < w; u++)
            {
                int x = 10 + u, y = 20 + v;
                if (u < content)
                {
                    // BGR: channel 0 holds blue (x + y), channel 2 red (x).
                    Assert.Equal(Value((byte)(x + y)), tensor[v * w + u], 1e-5f);
                    Assert.Equal(Value((byte)y), tensor[plane + v * w + u], 1e-5f);
                    Assert.Equal(Value((byte)x), tensor[2 * plane + v * w + u], 1e-5f);
                }
                else
                {
                    for (int c = 0; c < 3; c++) Assert.Equal(0, tensor[c * plane + v * w + u]);
                }
            }
    }

    [Fact]
    public void A_rotated_box_samples_along_its_sides()
    {
        var frame = new FrameGeometry(120, 120, PixelFormat.Rgb24);
        var pixels = Gradient(120, 120);
        // A 40x10 line turned by 30 degrees about (60, 60).
        var rect = new RotatedRect(60, 60, 40, 10, MathF.PI / 6);
        var corners = new Point2[4];
        rect.Corners(corners);
        int h = 10, w = 40;
        var tensor = new float[3 * h * w];
        TextLineCrop.Write(pixels, frame, corners, w, h, w, ChannelOrder.Rgb, tensor);
        float c = MathF.Cos(MathF.PI / 6), s = MathF.Sin(MathF.PI / 6);
        for (int v = 0; v < h; v++)
            for (int u = 0; u < w; u++)
            {
                // Where the crop's pixel centre lies in the frame; red = x and green = y there (bilinear is exact on a linear ramp).
                float du = u + 0.5f - w / 2f, dv = v + 0.5f - h / 2f;
                float x = 60 + du * c - dv * s - 0.5f, y = 60 + du * s + dv * c - 0.5f;
                Assert.Equal(x / 255f * 2 - 1, tensor[v * w + u], 1e-4f);
                Assert.Equal(y / 255f * 2 - 1, tensor[h * w + v * w + u], 1e-4f);
            }
    }

    [Fact]
    public void Tall_boxes_are_read_turned_a_quarter_and_upside_down_ones_half_a_turn()
    {
        Point2[] wide = [new(0, 0), new(30, 0), new(30, 10), new(0, 10)];
        Point2[] tall = [new(0, 0), new(10, 0), new(10, 30), new(0, 30)];
        var quad = new Point2[4];

        TextLineCrop.ReadingOrder(wide, false, quad);
        Assert.Equal(wide, quad);
        TextLineCrop.ReadingOrder(wide, true, quad);
        Assert.Equal([wide[2], wide[3], wide[0], wide[1]], quad);
        TextLineCrop.ReadingOrder(tall, false, quad);
        Assert.Equal([tall[1], tall[2], tall[3], tall[0]], quad);
        var (width, height) = TextLineCrop.Size(quad);
        Assert.Equal((30f, 10f), (width, height));
    }

    [Fact]
    public void Very_long_lines_are_capped_at_the_widest_input()
    {
        Point2[] quad = [new(0, 0), new(1000, 0), new(1000, 10), new(0, 10)];
        Assert.Equal(320, TextLineCrop.ContentWidth(quad, 48, 320));
        Point2[] flat = [new(0, 0), new(10, 0), new(10, 0), new(0, 0)];
        Assert.Equal(1, TextLineCrop.ContentWidth(flat, 48, 320)); // degenerate: no height to scale by
    }

    [Fact]
    public void Bad_crop_sizes_are_refused()
    {
        var frame = new FrameGeometry(10, 10, PixelFormat.Rgb24);
        Point2[] quad = [new(0, 0), new(5, 0), new(5, 5), new(0, 5)];
        Assert.Throws<ArgumentOutOfRangeException>(() => TextLineCrop.Write(new byte[300], frame, quad, 20, 4, 10, ChannelOrder.Rgb, new float[120]));
        Assert.Throws<ArgumentException>(() => TextLineCrop.Write(new byte[300], frame, quad, 5, 4, 10, ChannelOrder.Rgb, new float[100]));
        Assert.Throws<ArgumentException>(() => TextLineCrop.Write(new byte[299], frame, quad, 5, 4, 10, ChannelOrder.Rgb, new float[120]));
    }
}
