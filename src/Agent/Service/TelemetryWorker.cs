using EdgeAgent.Agent.Hosting;
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
        if (drift.Shadow is not null) telemetry.Shadow = drift.Shadow;
        telemetry.Distributions.AddRange(drift.Distributions);
        link.Enqueue(telemetry);
        foreach (var e in drift.Events)
        {
            if (!e.Cleared) state.CountDriftAlarm();
            log.LogWarning("drift: {Metric} {Value:0.###} (threshold {Threshold:0.###}){Cleared}", e.Metric, e.Value, e.Threshold, e.Cleared ? " cleared" : "");
            link.Enqueue(DriftMonitor.ToEvent(e, engine));
        }
    }
}
