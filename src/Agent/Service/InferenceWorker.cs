using System.Diagnostics;
using EdgeAgent.Agent.Hosting;
using EdgeAgent.Agent.Pipeline;
using EdgeAgent.Camera;
using EdgeAgent.Camera.Capture;
using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Ring;
using EdgeAgent.Camera.Sources;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Telemetry.Drift;
using EdgeAgent.Telemetry.Link;
using EdgeAgent.Telemetry.Wire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeAgent.Agent.Service;

/// <summary>
/// The live pipeline, three threads with bounded hand-offs between them: capture (camera →
/// frame ring, dropping the oldest frame when inference lags), inference (pre-process → engine →
/// copy of the output), and <see cref="ResultStage"/> (decode, drift, publish). Per-stage
/// latencies go to telemetry; systemd's watchdog is fed only while frames move.
/// </summary>
public sealed class InferenceWorker(AgentOptions options, ServingState state, DeviceLink link, SystemdNotifier systemd,
    ILogger<InferenceWorker> log) : BackgroundService
{
    private static readonly TimeSpan GoldenEvery = TimeSpan.FromMilliseconds(500);
    private const int StatisticsEvery = 10;
    private byte[] _luma = [];
    private long _lastErrorLog;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var spec = FrameSourceUri.Parse(options.Camera.Source);
        var source = new FrameSourceFactory(new CameraLog(log)).CreateResilient(spec);
        FrameCapture capture;
        try
        {
            capture = await FrameCapture.StartAsync(source, options.Camera.RingCapacity, cancellationToken: stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FrameSourceException or CameraConfigException)
        {
            log.LogError("camera {Source} did not start: {Error}", FrameSourceUri.Redact(options.Camera.Source), e.Message);
            throw;
        }
        await using var _ = capture.ConfigureAwait(false);
        state.AttachRing(() => capture.Ring.Counters);
        state.AttachCamera(() => capture.Health);
        log.LogInformation("camera {Source} streaming {Geometry}", FrameSourceUri.Redact(options.Camera.Source), capture.Ring.Geometry);

        using var results = new ResultStage(options, link, state, log);
        var loop = new InferenceLoop(capture.Ring, state.Slot);
        var post = new Thread(() => results.Run(stoppingToken)) { Name = "edgeagent-results", IsBackground = true };
        post.Start();
        var watchdog = WatchdogAsync(stoppingToken);
        systemd.Ready(Describe());

        // The inference stage gets its own thread: its awaits complete synchronously while frames are waiting.
        var inference = Task.Factory.StartNew(() => loop.RunAsync(
                (engine, context, frame) => HandOff(engine, context, frame, results, stoppingToken),
                OnFrame,
                stoppingToken,
                OnError),
            stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        try
        {
            await inference.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        post.Join(TimeSpan.FromSeconds(5));
        await watchdog.ConfigureAwait(false);
    }

    private void HandOff(LoadedEngine engine, InferenceContext context, FrameLease frame, ResultStage results, CancellationToken cancellationToken)
    {
        var info = frame.Info;
        state.Golden.Offer(frame.Pixels, info.Geometry, Stopwatch.GetTimestamp(), GoldenEvery);
        if (info.Id % StatisticsEvery == 0) ObserveInput(engine.Version, frame.Pixels, info.Geometry);
        var output = results.Rent(cancellationToken);
        output.CopyFrom(context.Output<float>(0), context.Engine.Outputs[0].Shape);
        output.FrameId = info.Id;
        output.CaptureTimestamp = info.CaptureTimestamp;
        output.ModelId = engine.ModelId;
        output.Version = engine.Version;
        output.EngineId = engine.EngineId;
        output.Geometry = engine.Preprocessor.GeometryFor(info.Width, info.Height);
        if (results.ReadsText) output.CopyPixels(frame.Pixels, info.Geometry);
        if (state.Shadow is { } shadow && shadow.Version == engine.Version && shadow.ShouldSample(info.Id))
            shadow.Prepare(frame.Pixels, info.Geometry, output.SampleForShadow(shadow));
        else
            output.NoShadow();
        results.Submit(output);
    }

    private void OnFrame(FrameResult frame)
    {
        var metrics = state.Metrics;
        metrics.Record(Stage.CaptureAge, frame.QueueAge);
        metrics.Record(Stage.Preprocess, frame.Preprocess);
        metrics.Record(Stage.Inference, frame.Inference);
        metrics.Record(Stage.Postprocess, frame.Postprocess);
        metrics.FrameCompleted();
        state.Latency.Record(frame.EngineVersion, frame.Inference.Ticks / TimeSpan.TicksPerMicrosecond);
        state.CountProcessed();
    }

    private void OnError(LoadedEngine engine, Exception e)
    {
        state.CountError();
        long now = Environment.TickCount64;
        if (now - _lastErrorLog < 5000) return; // a failing engine fails every frame: one line per 5 s is enough
        _lastErrorLog = now;
        log.LogError("engine {Model} {Version} failed on a frame: {Error}", engine.ModelId, engine.Version, e.Message);
    }

    /// <summary>Brightness, contrast and blur of a subsampled luma plane, for input drift.</summary>
    private void ObserveInput(string version, ReadOnlySpan<byte> pixels, FrameGeometry geometry)
    {
        int w = geometry.Width / 2, h = geometry.Height / 2;
        if (w < 3 || h < 3) return;
        if (_luma.Length != w * h) _luma = new byte[w * h];
        int stride = geometry.Stride;
        for (int y = 0; y < h; y++)
        {
            var row = pixels.Slice(2 * y * stride, stride);
            for (int x = 0; x < w; x++)
            {
                int p = 6 * x;
                _luma[y * w + x] = (byte)((77 * row[p] + 150 * row[p + 1] + 29 * row[p + 2]) >> 8);
            }
        }
        var statistics = InputStatistics.Compute(_luma, w, h, w);
        state.Baselines.Observe(version, statistics);
        state.Drift.ObserveInput(statistics);
    }

    /// <summary>WATCHDOG=1 only while the loop makes progress (or has nothing to do): a stuck engine gets the service restarted.</summary>
    private async Task WatchdogAsync(CancellationToken cancellationToken)
    {
        var interval = SystemdNotifier.WatchdogInterval() is { } w ? w / 2 : TimeSpan.FromSeconds(5);
        long last = -1;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
                long processed = state.Processed;
                bool idle = state.RingCounters.Queued == 0 || state.Slot.Current is null;
                if (processed != last || idle) systemd.Watchdog();
                last = processed;
                systemd.Status(Describe());
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private string Describe()
    {
        var engine = state.Slot.Current;
        string serving = engine is null ? "no engine" : $"serving {engine.ModelId} {engine.Version} ({engine.Engine.Backend.Name})";
        return $"{serving}; {state.Processed} frames; deployment {state.DeploymentState}";
    }
}
