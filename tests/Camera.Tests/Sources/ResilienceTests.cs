using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Sources;
using EdgeAgent.Camera.Sources.Resilience;
using EdgeAgent.Camera.Tests.Support;

namespace EdgeAgent.Camera.Tests.Sources;

[Collection(ClipCollection.Name)]
public class ResilienceTests(TestClips clips, ITestOutputHelper output)
{
    private static readonly RestartPolicy Fast = new() { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMilliseconds(400) };

    [Fact]
    public void Backoff_doubles_up_to_the_cap()
    {
        var p = new RestartPolicy { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(5) };
        Assert.Equal([0, 1, 2, 4, 5, 5], Enumerable.Range(0, 6).Select(n => p.DelayAfter(n).TotalSeconds));
        Assert.Throws<CameraConfigException>(() => new RestartPolicy { InitialDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(1) }.Validate());
        Assert.Throws<CameraConfigException>(() => new RestartPolicy { MaxConsecutiveFailures = 0 }.Validate());
    }

    [Fact]
    public async Task Killed_decoder_is_restarted_and_frames_continue()
    {
        var ct = Timeouts.After(40);
        var spec = FrameSourceUri.Parse(clips.Mp4 + "#size=64x48&realtime=true&loop=true");
        await using var source = new FrameSourceFactory(new TestOutputLog(output)).CreateResilient(spec, Fast);
        await source.StartAsync(ct);
        var buffer = new byte[source.Geometry.ByteCount];
        var ids = new List<long>();
        for (int i = 0; i < 10; i++)
            ids.Add((await source.ReadFrameAsync(buffer, ct))!.Value.Id);
        Assert.Equal(SourceState.Streaming, source.Health.State);

        int pid = ((ProcessPipeSource)source.Inner!).ProcessId!.Value;
        Process.GetProcessById(pid).Kill(); // the decoder crashes mid-stream

        for (int i = 0; i < 20; i++)
            ids.Add((await source.ReadFrameAsync(buffer, ct))!.Value.Id);

        SourceHealth health = source.Health;
        Assert.Equal(SourceState.Streaming, health.State);
        Assert.Equal(1, health.Restarts);
        Assert.Equal(0, health.ConsecutiveFailures);
        Assert.Contains("ffmpeg", health.LastError); // killed: exit code 137 or a cut-off frame
        Assert.NotEqual(pid, ((ProcessPipeSource)source.Inner!).ProcessId);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), ids); // one continuous stream
    }

    [Fact]
    public async Task Live_http_stream_survives_a_network_cut()
    {
        int port = FreePort();
        string url = $"http://127.0.0.1:{port}/stream";
        string[] serve = ["-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-c:v", "mjpeg", "-q:v", "5", "-f", "mpjpeg", "-listen", "1", url];
        Process server = Ffmpeg.Start(serve);
        try
        {
            var ct = Timeouts.After(60);
            var spec = FrameSourceUri.Parse(url + "#size=80x60&stall=2");
            await using var source = new FrameSourceFactory(new TestOutputLog(output)).CreateResilient(spec, Fast);
            await StartWhenServerListensAsync(source, ct);
            Assert.Equal(new FrameGeometry(80, 60, PixelFormat.Rgb24), source.Geometry);
            var buffer = new byte[source.Geometry.ByteCount];
            for (int i = 0; i < 5; i++)
                Assert.NotNull(await source.ReadFrameAsync(buffer, ct));

            // A consumer keeps reading, as the capture pump does.
            long frames = 0;
            var reader = Task.Run(async () =>
            {
                while (await source.ReadFrameAsync(buffer, ct) is not null)
                    Interlocked.Increment(ref frames);
            }, ct);

            Ffmpeg.Stop(server); // the network goes away
            await Timeouts.WaitUntilAsync(() => source.Health.State == SourceState.Reconnecting, 20, "Reconnecting");
            long before = Interlocked.Read(ref frames);

            server = Ffmpeg.Start(serve); // and comes back
            await Timeouts.WaitUntilAsync(() => Interlocked.Read(ref frames) > before + 5, 30, "frames after the stream came back");
            Assert.Equal(SourceState.Streaming, source.Health.State);
            Assert.False(reader.IsCompleted);
            Assert.True(source.Health.Restarts >= 1);
        }
        finally
        {
            Ffmpeg.Stop(server);
        }
    }

    [Fact]
    public async Task Finite_source_ends_instead_of_restarting()
    {
        var ct = Timeouts.After(30);
        await using var source = new FrameSourceFactory().CreateResilient(FrameSourceUri.Parse(clips.Mp4 + "#size=32x32"), Fast);
        await source.StartAsync(ct);
        var buffer = new byte[source.Geometry.ByteCount];
        int n = 0;
        while (await source.ReadFrameAsync(buffer, ct) is not null)
            n++;
        Assert.Equal(TestClips.Mp4Frames, n);
        Assert.Equal(SourceState.Ended, source.Health.State);
        Assert.Equal(0, source.Health.Restarts);
    }

    [Fact]
    public async Task Persistent_failure_gives_up_after_the_configured_attempts()
    {
        string garbage = clips.Path("always-bad.mp4");
        await File.WriteAllBytesAsync(garbage, new byte[4096]);
        var ct = Timeouts.After(30);
        var policy = Fast with { MaxConsecutiveFailures = 3 };
        await using var source = new FrameSourceFactory().CreateResilient(FrameSourceUri.Parse(garbage + "#size=32x32&loop=true"), policy);
        await source.StartAsync(ct);
        var ex = await Assert.ThrowsAsync<FrameSourceException>(async () =>
        {
            while (await source.ReadFrameAsync(new byte[32 * 32 * 3], ct) is not null) { }
        });
        Assert.Contains("failed", ex.Message);
        Assert.Equal(SourceState.Failed, source.Health.State);
        Assert.Equal(3, source.Health.ConsecutiveFailures);
        Assert.Contains("always-bad.mp4", source.Health.LastError);
    }

    [Fact]
    public async Task Config_errors_are_not_retried()
    {
        var spec = FrameSourceUri.Parse(clips.Mp4 + "#size=32x32");
        await using var source = new FrameSourceFactory(ffmpegExecutable: "/nonexistent/ffmpeg").CreateResilient(spec, Fast);
        await Assert.ThrowsAsync<CameraConfigException>(async () => await source.StartAsync(Timeouts.After(10)));
        Assert.Equal(SourceState.Failed, source.Health.State);
    }

    private static async Task StartWhenServerListensAsync(IFrameSource source, CancellationToken ct)
    {
        // The server needs a moment to bind; the resilient source retries the refused connections.
        await source.StartAsync(ct);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
