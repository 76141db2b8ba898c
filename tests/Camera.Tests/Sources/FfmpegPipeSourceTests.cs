using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Sources;
using EdgeAgent.Camera.Tests.Support;

namespace EdgeAgent.Camera.Tests.Sources;

[Collection(ClipCollection.Name)]
public class FfmpegPipeSourceTests(TestClips clips)
{
    private static readonly FrameSourceFactory Factory = new();

    private static async Task<(List<FrameInfo> Frames, List<byte[]> Pixels)> ReadAllAsync(IFrameSource source, int keep, CancellationToken ct)
    {
        await source.StartAsync(ct);
        var buffer = new byte[source.Geometry.ByteCount];
        var frames = new List<FrameInfo>();
        var pixels = new List<byte[]>();
        while (await source.ReadFrameAsync(buffer, ct) is FrameInfo f)
        {
            frames.Add(f);
            if (pixels.Count < keep)
                pixels.Add((byte[])buffer.Clone());
        }
        return (frames, pixels);
    }

    [Fact]
    public async Task File_is_decoded_and_scaled_to_the_requested_size()
    {
        var ct = Timeouts.After(30);
        await using var source = Factory.Create(FrameSourceUri.Parse(clips.Mp4 + "#size=160x128"));
        var (frames, pixels) = await ReadAllAsync(source, 2, ct);

        Assert.Equal(new FrameGeometry(160, 128, PixelFormat.Rgb24), source.Geometry);
        Assert.Equal(TestClips.Mp4Frames, frames.Count);
        Assert.Equal(Enumerable.Range(0, frames.Count).Select(i => (long)i), frames.Select(f => f.Id));
        Assert.True(frames.Zip(frames.Skip(1)).All(p => p.Second.CaptureTimestamp >= p.First.CaptureTimestamp));
        // testsrc2 is colourful and moves: a real picture, and consecutive frames differ.
        Assert.True(pixels[0].Distinct().Count() > 50);
        Assert.NotEqual(pixels[0], pixels[1]);
    }

    [Fact]
    public async Task Native_size_is_learned_from_ffmpeg_when_not_requested()
    {
        var ct = Timeouts.After(30);
        await using var source = Factory.Create(FrameSourceUri.Parse(clips.Mp4 + "#pixfmt=bgr24"));
        await source.StartAsync(ct);
        Assert.Equal(new FrameGeometry(320, 240, PixelFormat.Bgr24), source.Geometry);
        var buffer = new byte[source.Geometry.ByteCount];
        Assert.NotNull(await source.ReadFrameAsync(buffer, ct));
    }

    [Fact]
    public async Task Bgr_is_rgb_with_red_and_blue_swapped()
    {
        var ct = Timeouts.After(30);
        await using var rgb = Factory.Create(FrameSourceUri.Parse(clips.Mp4 + "#size=64x48"));
        await using var bgr = Factory.Create(FrameSourceUri.Parse(clips.Mp4 + "#size=64x48&pixfmt=bgr24"));
        var a = (await ReadAllAsync(rgb, 1, ct)).Pixels[0];
        var b = (await ReadAllAsync(bgr, 1, ct)).Pixels[0];
        // swscale converts to each packing along its own path, so values may differ by a few
        // levels; swapped channels match closely while unswapped ones are far apart.
        double swapped = 0, unswapped = 0;
        for (int i = 0; i < a.Length; i += 3)
        {
            swapped += Math.Abs(a[i] - b[i + 2]) + Math.Abs(a[i + 2] - b[i]);
            unswapped += Math.Abs(a[i] - b[i]) + Math.Abs(a[i + 2] - b[i + 2]);
        }
        int pixels = a.Length / 3;
        Assert.InRange(swapped / pixels, 0, 2);
        Assert.True(unswapped / pixels > 20, $"unswapped difference {unswapped / pixels}");
    }

    [Fact]
    public async Task Truncated_file_fails_cleanly_with_ffmpegs_reason()
    {
        string truncated = clips.Path("truncated.mp4");
        byte[] whole = await File.ReadAllBytesAsync(clips.Mp4);
        await File.WriteAllBytesAsync(truncated, whole.AsSpan(0, whole.Length / 2).ToArray());

        var ct = Timeouts.After(20);
        await using var source = Factory.Create(FrameSourceUri.Parse(truncated + "#size=64x48"));
        var ex = await Assert.ThrowsAsync<FrameSourceException>(async () => await ReadAllAsync(source, 0, ct));
        Assert.Contains("truncated.mp4", ex.Message);
        Assert.Contains("exited with code", ex.Message);
        Assert.Contains("moov atom not found", ex.Message);
    }

    [Fact]
    public async Task Garbage_file_fails_cleanly_even_without_a_size()
    {
        string garbage = clips.Path("garbage.mp4");
        await File.WriteAllBytesAsync(garbage, Enumerable.Range(0, 50_000).Select(i => (byte)(i * 7919 >> 3)).ToArray());
        var ct = Timeouts.After(20);
        await using var source = Factory.Create(FrameSourceUri.Parse(garbage));
        var ex = await Assert.ThrowsAsync<FrameSourceException>(async () => await source.StartAsync(ct));
        Assert.Contains("garbage.mp4", ex.Message);
        Assert.Contains("Invalid data", ex.Message);
    }

    [Fact]
    public async Task Passwords_never_reach_error_messages()
    {
        var ct = Timeouts.After(20);
        // Nothing listens on port 9: ffmpeg fails and quotes the URL it tried.
        await using var source = Factory.Create(FrameSourceUri.Parse("http://admin:hunter2@127.0.0.1:9/video#size=32x32"));
        await source.StartAsync(ct);
        var ex = await Assert.ThrowsAsync<FrameSourceException>(async () => await source.ReadFrameAsync(new byte[32 * 32 * 3], ct));
        Assert.Contains("admin:***@127.0.0.1", ex.Message);
        Assert.DoesNotContain("hunter2", ex.Message);
    }

    [Fact]
    public void Missing_file_is_a_config_error()
    {
        var ex = Assert.Throws<CameraConfigException>(() => Factory.Create(FrameSourceUri.Parse(clips.Path("nope.mp4"))));
        Assert.Contains("does not exist", ex.Message);
    }

    [Fact]
    public async Task Missing_executable_is_a_config_error()
    {
        var factory = new FrameSourceFactory(ffmpegExecutable: "/nonexistent/ffmpeg");
        await using var source = factory.Create(FrameSourceUri.Parse(clips.Mp4 + "#size=64x48"));
        var ex = await Assert.ThrowsAsync<CameraConfigException>(async () => await source.StartAsync(CancellationToken.None));
        Assert.Contains("cannot run '/nonexistent/ffmpeg'", ex.Message);
    }

    [Fact]
    public async Task A_source_that_delivers_nothing_is_killed_by_the_stall_watchdog()
    {
        // A named pipe nobody writes to: ffmpeg blocks opening it forever, like a dead network camera.
        string fifo = clips.Path("silent.fifo");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
            Assert.True(mkfifo.WaitForExit(5000) && mkfifo.ExitCode == 0);
        var ct = Timeouts.After(20);
        var started = System.Diagnostics.Stopwatch.StartNew();
        await using var source = Factory.Create(FrameSourceUri.Parse($"ffmpeg:{fifo}#demuxer=mpegts&size=64x48&stall=1"));
        await source.StartAsync(ct);
        var ex = await Assert.ThrowsAsync<FrameSourceException>(async () => await source.ReadFrameAsync(new byte[64 * 48 * 3], ct));
        Assert.Contains("delivered nothing for 1 s", ex.Message);
        Assert.InRange(started.Elapsed.TotalSeconds, 0.9, 10);
    }

    [Fact]
    public async Task Disposing_a_running_source_kills_its_child()
    {
        var ct = Timeouts.After(20);
        var source = (ProcessPipeSource)Factory.Create(FrameSourceUri.Parse(clips.Mp4 + "#size=64x48&realtime=true"));
        await source.StartAsync(ct);
        await source.ReadFrameAsync(new byte[64 * 48 * 3], ct);
        int pid = source.ProcessId!.Value;
        await source.DisposeAsync();
        Assert.False(Directory.Exists($"/proc/{pid}"), $"ffmpeg (pid {pid}) still exists after dispose");
    }
}
