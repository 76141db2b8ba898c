using EdgeAgent.Agent.Hosting;
using EdgeAgent.Camera.Sources.Resilience;
using EdgeAgent.Telemetry.Wire;
using EdgeAgent.Telemetry.Drift;
using EdgeAgent.Telemetry.Link;
using EdgeAgent.Telemetry.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeAgent.Agent.Service;

/// <summary>
/// Closes a metrics window every Telemetry:IntervalSeconds (changeable at run time): stage
/// latencies, frames and drops, process load, drift; publishes it and any drift events, and
/// counts drift alarms for a running probation.
/// </summary>
public sealed class TelemetryWorker(AgentOptions options, ServingState state, DeviceLink link, ILogger<TelemetryWorker> log) : BackgroundService
{
    private readonly ProcessSampler _process = new();
    private long _lastDropped;
    private SourceState? _lastCamera;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        state.Metrics.Rotate();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(options.Telemetry.IntervalSeconds), stoppingToken).ConfigureAwait(false);
                Publish();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>An event when the camera's state changes (lost, reconnecting, back), not every window.</summary>
    private void ReportCamera(EngineInfo? engine)
    {
        if (state.CameraHealth is not { } health || health.State == _lastCamera) return;
        bool first = _lastCamera is null;
        _lastCamera = health.State;
        if (first && health.State is SourceState.Starting or SourceState.Streaming) return;
        var severity = health.State switch
        {
            SourceState.Streaming => Event.Types.Severity.Info,
            SourceState.Failed => Event.Types.Severity.Error,
            _ => Event.Types.Severity.Warning,
        };
        string message = health.State == SourceState.Streaming
            ? $"camera {options.Camera.Name} streaming again after {health.Restarts} restarts"
            : $"camera {options.Camera.Name} {health.State.ToString().ToLowerInvariant()}: {health.LastError ?? "no error given"}";
        log.Log(severity == Event.Types.Severity.Info ? LogLevel.Information : LogLevel.Warning, "{Message}", message);
        var e = new Event { Severity = severity, Kind = "camera", Message = message, Engine = engine };
        e.Attributes["camera"] = options.Camera.Name;
        link.Enqueue(e);
    }

    private void Publish()
    {
        var window = state.Metrics.Rotate();
        var engine = state.CurrentEngineInfo();
        var telemetry = TelemetryBuilder.Build(window, _process.Sample(), null, engine);
        var ring = state.RingCounters;
        telemetry.Pipeline.FramesDropped = (ulong)Math.Max(0, ring.Dropped - _lastDropped);
        telemetry.Pipeline.QueueDepth = (uint)Math.Max(0, ring.Queued);
        _lastDropped = ring.Dropped;
        var drift = state.Drift.Evaluate();
        if (drift.Shadow is not null)
        {
            telemetry.Shadow = drift.Shadow;
            if (state.Shadow is { } reference) telemetry.Shadow.BudgetUsed = reference.TakeBudgetUsed();
        }
        telemetry.Distributions.AddRange(drift.Distributions);
        link.Enqueue(telemetry);
        ReportCamera(engine);
        if (log.IsEnabled(LogLevel.Debug) && window.Stages.TryGetValue(Telemetry.Wire.Stage.Inference, out var inference))
            log.LogDebug("window {Seconds:0.#} s: {Fps:0.##} fps, inference p50 {P50:0.#} ms p99 {P99:0.#} ms, end-to-end p99 {E2E:0.#} ms, dropped {Dropped}, rss {Rss} MiB, cpu {Cpu:0}%",
                window.Length.TotalSeconds, window.Fps, inference.P50Micros / 1000, inference.P99Micros / 1000,
                window.Stages.TryGetValue(Telemetry.Wire.Stage.EndToEnd, out var e2e) ? e2e.P99Micros / 1000 : 0,
                telemetry.Pipeline.FramesDropped, telemetry.Process.RssBytes / 1048576, telemetry.Process.CpuPercent);
        foreach (var e in drift.Events)
        {
            if (!e.Cleared) state.CountDriftAlarm();
            log.LogWarning("drift: {Metric} {Value:0.###} (threshold {Threshold:0.###}){Cleared}", e.Metric, e.Value, e.Threshold, e.Cleared ? " cleared" : "");
            link.Enqueue(DriftMonitor.ToEvent(e, engine));
        }
    }
}
