using System.Diagnostics;
using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Sources;
using EdgeAgent.Camera.Sources.Synthetic;
using EdgeAgent.Camera.Tests.Support;

namespace EdgeAgent.Camera.Tests.Sources;

[Collection(TimingCollection.Name)]
public class SyntheticSourceTests
{
    [Fact]
    public void Frames_are_deterministic_per_seed_and_index()
    {
        var g = new FrameGeometry(160, 120, PixelFormat.Rgb24);
        var a = new byte[g.ByteCount];
        var b = new byte[g.ByteCount];
        new SyntheticRenderer(g, 3).Render(10, a);
        new SyntheticRenderer(g, 3).Render(10, b);
        Assert.Equal(a, b);
        new SyntheticRenderer(g, 3).Render(11, b);
        Assert.NotEqual(a, b); // shapes move
        new SyntheticRenderer(g, 4).Render(10, b);
        Assert.NotEqual(a, b); // another seed, other colours and serials
    }

    [Fact]
    public void Label_carries_black_text_on_white()
    {
        var g = new FrameGeometry(240, 120, PixelFormat.Bgr24);
        var frame = new byte[g.ByteCount];
        var renderer = new SyntheticRenderer(g, 1);
        renderer.Render(5, frame);
        Assert.Equal(1_000_005, renderer.SerialOf(5));
        Assert.Equal("PASS", SyntheticRenderer.WordOf(5));
        // The bottom rows are the label: mostly white with black glyph pixels, nothing else.
        int white = 0, black = 0, other = 0;
        for (int y = 100; y < 120; y++)
        {
            for (int x = 0; x < 240; x++)
            {
                int i = (y * 240 + x) * 3;
                if (frame[i] == 255 && frame[i + 1] == 255 && frame[i + 2] == 255) white++;
                else if (frame[i] == 0 && frame[i + 1] == 0 && frame[i + 2] == 0) black++;
                else other++;
            }
        }
        Assert.Equal(0, other);
        Assert.InRange(black, 100, white);
    }

    [Fact]
    public async Task Paces_at_the_requested_rate_and_stops_after_the_frame_count()
    {
        var ct = Timeouts.After(20);
        await using var source = new SyntheticFrameSource((SyntheticSourceSpec)FrameSourceUri.Parse("synthetic:64x48@50#frames=25"));
        await source.StartAsync(ct);
        var buffer = new byte[source.Geometry.ByteCount];
        var clock = Stopwatch.StartNew();
        int n = 0;
        while (await source.ReadFrameAsync(buffer, ct) is FrameInfo f)
            Assert.Equal(n++, f.Id);
        Assert.Equal(25, n);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.4, 6); // 25 frames at 50 fps ≈ 0.5 s; slack for a loaded machine
    }
}
