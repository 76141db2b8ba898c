using System.Diagnostics;
using EdgeAgent.Camera.Capture;
using EdgeAgent.Camera.Diagnostics;
using EdgeAgent.Camera.Processing.Pre;
using EdgeAgent.Camera.Sources;
using EdgeAgent.Camera.Sources.Resilience;

namespace EdgeAgent.Camera.Probe;

public sealed record ProbeOptions
{
    /// <summary>Also pre-process every delivered frame and report its cost, as the inference loop would.</summary>
    public PreprocessConfig? Preprocess { get; init; }
    public int RingCapacity { get; init; } = 2;
    /// <summary>How long to wait for the first frame before giving up.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(15);
    public RestartPolicy? RestartPolicy { get; init; }
    public ICameraLog? Log { get; init; }
    public FrameSourceFactory? Factory { get; init; }
}

/// <summary>
/// The library side of <c>edgeagent camera probe</c>: runs a source through the same resilient
/// capture and frame ring the service uses, consumes as fast as it can for a while, and reports
/// rate, drops and frame age. A bad URI throws <see cref="CameraConfigException"/>; a source that
/// delivers nothing (broken file, unreachable camera) throws <see cref="FrameSourceException"/>.
/// </summary>
public static class CameraProbe
{
    public static async Task<ProbeResult> RunAsync(string uri, TimeSpan duration, CancellationToken cancellationToken, ProbeOptions? options = null)
    {
        options ??= new ProbeOptions();
        if (duration <= TimeSpan.Zero)
            throw new CameraConfigException($"probe duration must be positive (got {duration.TotalSeconds} s)");
        FrameSourceSpec spec = FrameSourceUri.Parse(uri);
        var factory = options.Factory ?? new FrameSourceFactory(options.Log);
        ResilientFrameSource source = factory.CreateResilient(spec, options.RestartPolicy);

        using var startup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        startup.CancelAfter(options.StartTimeout);
        FrameCapture capture;
        try
        {
            capture = await FrameCapture.StartAsync(source, options.RingCapacity, log: options.Log, cancellationToken: startup.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await source.DisposeAsync().ConfigureAwait(false);
            throw new FrameSourceException($"{spec.DisplayName}: did not start within {options.StartTimeout.TotalSeconds:0} s: {source.Health.LastError ?? "no error reported"}");
        }
        catch
        {
            await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await using (capture.ConfigureAwait(false))
        {
            return await MeasureAsync(spec, capture, source, duration, options, startup, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<ProbeResult> MeasureAsync(FrameSourceSpec spec, FrameCapture capture, ResilientFrameSource source,
        TimeSpan duration, ProbeOptions options, CancellationTokenSource startup, CancellationToken cancellationToken)
    {
        var ring = capture.Ring;
        var preprocessor = options.Preprocess is null ? null : new Preprocessor(options.Preprocess);
        float[] tensor = preprocessor is null ? [] : new float[preprocessor.Config.TensorLength];
        var ages = new List<double>(capacity: (int)Math.Min(1 << 20, duration.TotalSeconds * 120 + 16));
        TimeSpan cpu = TimeSpan.Zero, wall = TimeSpan.Zero;
        long firstTimestamp = 0, lastTimestamp = 0, capturedAtFirst = 0, allocatedAtFirst = 0, allocatedAtLast = 0;
        CancellationToken ct = startup.Token; // until the first frame: the start timeout

        try
        {
            while (await ring.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                if (!ring.TryRead(out var lease))
                    continue;
                using (lease)
                {
                    if (ages.Count == 0)
                    {
                        firstTimestamp = Stopwatch.GetTimestamp();
                        capturedAtFirst = ring.Counters.Captured;
                        allocatedAtFirst = GC.GetTotalAllocatedBytes(precise: true);
                        // From the first frame on, measure for the requested duration.
                        startup.CancelAfter(duration);
                        ct = startup.Token;
                    }
                    ages.Add(lease.QueueAge.TotalMilliseconds);
                    lastTimestamp = Stopwatch.GetTimestamp();
                    if (preprocessor is not null)
                    {
                        TimeSpan c0 = ThreadCpuClock.Now();
                        long w0 = Stopwatch.GetTimestamp();
                        preprocessor.Run(lease.Pixels, lease.Info.Geometry, tensor);
                        wall += Stopwatch.GetElapsedTime(w0);
                        cpu += ThreadCpuClock.Now() - c0;
                    }
                }
                allocatedAtLast = GC.GetTotalAllocatedBytes(precise: false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The measuring window (or, with no frame yet, the start timeout) is over.
        }
        catch (FrameSourceException) when (ages.Count > 0)
        {
            // The source failed after delivering frames: report what was measured and the error.
        }

        if (ages.Count == 0)
            throw new FrameSourceException($"{spec.DisplayName}: delivered no frames within {options.StartTimeout.TotalSeconds:0} s: {source.Health.LastError ?? "no error reported"}");

        var counters = ring.Counters;
        double span = Stopwatch.GetElapsedTime(firstTimestamp, lastTimestamp).TotalSeconds;
        double deliveredFps = span > 0 ? (ages.Count - 1) / span : 0;
        double capturedFps = span > 0 ? (counters.Captured - capturedAtFirst) / span : 0;
        double meanAge = ages.Average();
        ages.Sort();
        return new ProbeResult
        {
            Source = spec.DisplayName,
            Geometry = ring.Geometry,
            Seconds = Stopwatch.GetElapsedTime(firstTimestamp).TotalSeconds,
            Captured = counters.Captured,
            Delivered = counters.Delivered,
            Dropped = counters.Dropped,
            DeliveredFps = deliveredFps,
            CapturedFps = capturedFps,
            AgeP50Ms = Percentile(ages, 0.50),
            AgeP90Ms = Percentile(ages, 0.90),
            AgeP99Ms = Percentile(ages, 0.99),
            AgeMaxMs = ages[^1],
            AgeMeanMs = meanAge,
            AgeMeanFrames = capturedFps > 0 ? meanAge / 1000 * capturedFps : 0,
            Health = source.Health,
            AllocatedBytesPerFrame = ages.Count > 1 ? (double)(allocatedAtLast - allocatedAtFirst) / (ages.Count - 1) : 0,
            PreprocessCpuMsPerFrame = preprocessor is null ? null : cpu.TotalMilliseconds / ages.Count,
            PreprocessWallMsPerFrame = preprocessor is null ? null : wall.TotalMilliseconds / ages.Count,
            PreprocessDescription = options.Preprocess is { } p ? $"{p.Resize.ToString().ToLowerInvariant()} {p.Width}x{p.Height} {p.Channels.ToString().ToUpperInvariant()} NCHW float32" : null,
        };
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    internal static double Percentile(List<double> sorted, double q)
    {
        int rank = (int)Math.Ceiling(q * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
