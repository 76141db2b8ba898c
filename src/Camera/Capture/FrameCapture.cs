using EdgeAgent.Camera.Diagnostics;
using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Ring;
using EdgeAgent.Camera.Sources;
using EdgeAgent.Camera.Sources.Resilience;

namespace EdgeAgent.Camera.Capture;

/// <summary>
/// Runs a source into a frame ring on a background task: the producer half of the camera loop.
/// With a trigger gate, only frames grabbed by a trigger enter the ring; the rest are skipped.
/// </summary>
public sealed class FrameCapture : IAsyncDisposable
{
    private readonly IFrameSource _source;
    private readonly TriggerGate? _trigger;
    private readonly ICameraLog _log;
    private readonly CancellationTokenSource _stop = new();
    private Task? _pump;
    private long _skipped;

    private FrameCapture(IFrameSource source, FrameRing ring, TriggerGate? trigger, ICameraLog log)
    {
        _source = source;
        Ring = ring;
        _trigger = trigger;
        _log = log;
    }

    public FrameRing Ring { get; }

    public IFrameSource Source => _source;

    /// <summary>Health of a resilient source; null for a bare one.</summary>
    public SourceHealth? Health => (_source as ResilientFrameSource)?.Health;

    /// <summary>Frames read but not admitted because no trigger was pending.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Completes when the source ended or failed for good (the ring is completed then too).</summary>
    public Task Completion => _pump ?? Task.CompletedTask;

    /// <summary>Starts the source (learning its geometry), sizes the ring for it and starts pumping.</summary>
    public static async Task<FrameCapture> StartAsync(IFrameSource source, int ringCapacity = 2, TriggerGate? trigger = null,
        ICameraLog? log = null, CancellationToken cancellationToken = default)
    {
        await source.StartAsync(cancellationToken).ConfigureAwait(false);
        var capture = new FrameCapture(source, new FrameRing(source.Geometry, ringCapacity), trigger, log ?? NullCameraLog.Instance);
        capture._pump = Task.Run(capture.PumpAsync, CancellationToken.None);
        return capture;
    }

    private async Task PumpAsync()
    {
        CancellationToken ct = _stop.Token;
        try
        {
            while (true)
            {
                Memory<byte> buffer = Ring.BeginWrite();
                FrameInfo? frame = await _source.ReadFrameAsync(buffer, ct).ConfigureAwait(false);
                if (frame is not FrameInfo info)
                {
                    Ring.AbortWrite();
                    Ring.Complete();
                    return;
                }
                if (_trigger is not null)
                {
                    long triggerId = _trigger.TryTake(info.CaptureTimestamp);
                    if (triggerId == 0)
                    {
                        Ring.AbortWrite();
                        Interlocked.Increment(ref _skipped);
                        continue;
                    }
                    info = info with { TriggerId = triggerId };
                }
                Ring.CommitWrite(info);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Ring.AbortWrite();
            Ring.Complete();
        }
        catch (Exception ex)
        {
            _log.Write(CameraLogLevel.Error, $"{_source.Name}: capture stopped: {ex.Message}");
            Ring.AbortWrite();
            Ring.Complete(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_pump is not null)
            await _pump.ConfigureAwait(false);
        await _source.DisposeAsync().ConfigureAwait(false);
        Ring.Dispose();
        _stop.Dispose();
    }
}
