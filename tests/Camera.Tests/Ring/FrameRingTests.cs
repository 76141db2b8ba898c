using System.Diagnostics;
using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Ring;

namespace EdgeAgent.Camera.Tests.Ring;

public class FrameRingTests
{
    private static readonly FrameGeometry Tiny = new(4, 2, PixelFormat.Rgb24);

    private static void Produce(FrameRing ring, long id)
    {
        Memory<byte> buffer = ring.BeginWrite();
        buffer.Span.Fill((byte)id);
        ring.CommitWrite(new FrameInfo(id, Stopwatch.GetTimestamp(), ring.Geometry));
    }

    [Fact]
    public void Delivers_in_order_when_the_consumer_keeps_up()
    {
        using var ring = new FrameRing(Tiny, capacity: 3);
        for (long id = 0; id < 10; id++)
        {
            Produce(ring, id);
            Assert.True(ring.TryRead(out var lease));
            using (lease)
            {
                Assert.Equal(id, lease.Info.Id);
                Assert.True(lease.Pixels.ToArray().All(b => b == id));
            }
        }
        var c = ring.Counters;
        Assert.Equal((10L, 10L, 0L, 0), (c.Captured, c.Delivered, c.Dropped, c.Queued));
        Assert.InRange(c.NewestFrameAge!.Value.TotalSeconds, 0, 5);
    }

    [Fact]
    public void Drops_the_oldest_when_the_consumer_is_slow()
    {
        using var ring = new FrameRing(Tiny, capacity: 2);
        for (long id = 0; id < 5; id++)
            Produce(ring, id);
        var counters = ring.Counters;
        Assert.Equal((5L, 0L, 3L, 2), (counters.Captured, counters.Delivered, counters.Dropped, counters.Queued));

        Assert.True(ring.TryRead(out var a));
        Assert.Equal(3, a.Info.Id);
        a.Dispose();
        Assert.True(ring.TryRead(out var b));
        Assert.Equal(4, b.Info.Id);
        Assert.True(b.Pixels.ToArray().All(x => x == 4));
        b.Dispose();
        Assert.False(ring.TryRead(out _));
        counters = ring.Counters;
        Assert.Equal(counters.Captured, counters.Delivered + counters.Dropped + counters.Queued);
    }

    [Fact]
    public void A_leased_frame_is_never_overwritten()
    {
        using var ring = new FrameRing(Tiny, capacity: 1);
        Produce(ring, 1);
        Assert.True(ring.TryRead(out var held));
        for (long id = 2; id < 50; id++)
            Produce(ring, id);
        Assert.Equal(1, held.Info.Id);
        Assert.True(held.Pixels.ToArray().All(b => b == 1));
        Assert.Throws<InvalidOperationException>(() => ring.TryRead(out _)); // one lease at a time
        held.Dispose();
        held.Dispose(); // harmless
        Assert.True(ring.TryRead(out var newest));
        Assert.Equal(49, newest.Info.Id);
        newest.Dispose();
    }

    [Fact]
    public async Task Waiting_reader_wakes_on_a_frame_and_on_completion()
    {
        using var ring = new FrameRing(Tiny);
        var wait = ring.WaitToReadAsync(CancellationToken.None);
        Assert.False(wait.IsCompleted);
        Produce(ring, 7);
        Assert.True(await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(ring.TryRead(out var lease));
        lease.Dispose();

        var end = ring.WaitToReadAsync(CancellationToken.None);
        ring.Complete();
        Assert.False(await end.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Completion_error_reaches_the_reader_after_queued_frames()
    {
        using var ring = new FrameRing(Tiny);
        Produce(ring, 1);
        ring.Complete(new InvalidOperationException("camera gone"));
        Assert.True(await ring.WaitToReadAsync());
        Assert.True(ring.TryRead(out var lease));
        lease.Dispose();
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await ring.WaitToReadAsync());
        Assert.Equal("camera gone", ex.Message);
    }

    [Fact]
    public async Task Waiting_can_be_cancelled_and_the_ring_stays_usable()
    {
        using var ring = new FrameRing(Tiny);
        using var cts = new CancellationTokenSource();
        var wait = ring.WaitToReadAsync(cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await wait);
        var again = ring.WaitToReadAsync(CancellationToken.None);
        Produce(ring, 3);
        Assert.True(await again.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Producer_and_consumer_threads_agree_on_counters()
    {
        using var ring = new FrameRing(Tiny, capacity: 2);
        var producer = Task.Run(() =>
        {
            for (long id = 0; id < 20_000; id++)
                Produce(ring, id);
            ring.Complete();
        });
        long delivered = 0, last = -1;
        while (await ring.WaitToReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)))
        {
            while (ring.TryRead(out var lease))
            {
                using (lease)
                {
                    Assert.True(lease.Info.Id > last, "frames arrive in order");
                    Assert.True(lease.Pixels.ToArray().All(b => b == (byte)lease.Info.Id), "pixels belong to the frame");
                    last = lease.Info.Id;
                    delivered++;
                }
            }
        }
        await producer;
        var c = ring.Counters;
        Assert.Equal((20_000L, delivered), (c.Captured, c.Delivered));
        Assert.Equal(c.Captured, c.Delivered + c.Dropped);
        Assert.Equal(19_999, last);
    }

    [Fact]
    public async Task Steady_state_allocates_nothing_per_frame()
    {
        using var ring = new FrameRing(new FrameGeometry(640, 480, PixelFormat.Rgb24), capacity: 2);
        using var cts = new CancellationTokenSource();
        async Task<long> CycleAsync(int frames)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < frames; i++)
            {
                Memory<byte> buffer = ring.BeginWrite();
                buffer.Span[0] = (byte)i;
                ring.CommitWrite(new FrameInfo(i, Stopwatch.GetTimestamp(), ring.Geometry));
                if (!await ring.WaitToReadAsync(cts.Token))
                    break;
                ring.TryRead(out var lease);
                lease.Dispose();
                _ = ring.Counters;
            }
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        await CycleAsync(100); // warm-up
        Assert.Equal(0, await CycleAsync(1000));
    }

    [Fact]
    public void Bad_sizes_are_rejected()
    {
        Assert.Throws<CameraConfigException>(() => new FrameRing(Tiny, capacity: 0));
        Assert.Throws<CameraConfigException>(() => new FrameRing(Tiny, maxLeases: 0));
    }
}
