using EdgeAgent.Camera.Capture;
using EdgeAgent.Camera.Sources;
using EdgeAgent.Camera.Sources.Resilience;
using EdgeAgent.Camera.Tests.Support;

namespace EdgeAgent.Camera.Tests.Sources;

[Collection(TimingCollection.Name)]
public class FrameCaptureTests(TestClips clips)
{
    [Fact]
    public async Task Slow_consumer_sees_fresh_frames_and_counted_drops()
    {
        var ct = Timeouts.After(30);
        var source = new FrameSourceFactory().CreateResilient(FrameSourceUri.Parse("synthetic:64x48@100"));
        await using var capture = await FrameCapture.StartAsync(source, ringCapacity: 2, cancellationToken: ct);
        long lastId = -1;
        for (int i = 0; i < 10; i++)
        {
            Assert.True(await capture.Ring.WaitToReadAsync(ct));
            Assert.True(capture.Ring.TryRead(out var lease));
            using (lease)
            {
                Assert.True(lease.Info.Id > lastId);
                lastId = lease.Info.Id;
                // Bounded latency: never more than the ring's worth of frames old, plus scheduling slack.
                Assert.InRange(lease.QueueAge.TotalMilliseconds, 0, 250); // unbounded queueing would reach ~400 ms by the 10th read
            }
            await Task.Delay(50, ct); // a consumer 5x slower than the camera
        }
        var c = capture.Ring.Counters;
        Assert.True(c.Dropped > 10, $"dropped {c.Dropped}");
        Assert.Equal(c.Captured, c.Delivered + c.Dropped + c.Queued);
        Assert.Equal(SourceState.Streaming, capture.Health!.State);
    }

    [Fact]
    public async Task End_of_a_file_completes_the_ring_after_the_last_frame()
    {
        var ct = Timeouts.After(30);
        var source = new FrameSourceFactory().CreateResilient(FrameSourceUri.Parse(clips.Mp4 + "#size=32x32"));
        await using var capture = await FrameCapture.StartAsync(source, ringCapacity: TestClips.Mp4Frames, cancellationToken: ct);
        int n = 0;
        while (await capture.Ring.WaitToReadAsync(ct))
        {
            while (capture.Ring.TryRead(out var lease))
            {
                lease.Dispose();
                n++;
            }
        }
        Assert.Equal(TestClips.Mp4Frames, n);
        Assert.Equal(SourceState.Ended, capture.Health!.State);
        await capture.Completion.WaitAsync(ct);
    }

    [Fact]
    public async Task A_failed_source_surfaces_its_error_through_the_ring()
    {
        string bad = clips.Path("capture-bad.mp4");
        await File.WriteAllBytesAsync(bad, new byte[1000]);
        var ct = Timeouts.After(30);
        var policy = new RestartPolicy { InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(50), MaxConsecutiveFailures = 2 };
        var source = new FrameSourceFactory().CreateResilient(FrameSourceUri.Parse(bad + "#size=32x32&loop=true"), policy);
        await using var capture = await FrameCapture.StartAsync(source, cancellationToken: ct);
        var ex = await Assert.ThrowsAsync<FrameSourceException>(async () => await capture.Ring.WaitToReadAsync(ct));
        Assert.Contains("capture-bad.mp4", ex.Message);
        Assert.Equal(SourceState.Failed, capture.Health!.State);
    }
}
