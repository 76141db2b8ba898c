using EdgeAgent.Telemetry.Metrics;

namespace EdgeAgent.Agent.Service;

/// <summary>
/// Inference latency of the engine now serving, since it started serving: the baseline a new
/// engine's probation is compared with, and the new engine's own record during probation.
/// Recording is allocation-free; a new histogram is made only when the engine changes.
/// </summary>
public sealed class EngineLatency
{
    /// <summary>Beyond this many samples the record starts over, so the baseline follows recent behaviour.</summary>
    private const long MaxSamples = 50_000;
    private Window _current = new("", new LatencyHistogram());

    private sealed record Window(string Version, LatencyHistogram Histogram);

    public void Record(string version, long micros)
    {
        var window = Volatile.Read(ref _current);
        if (!ReferenceEquals(window.Version, version) && window.Version != version)
        {
            window = new Window(version, new LatencyHistogram());
            Volatile.Write(ref _current, window);
        }
        else if (window.Histogram.Count >= MaxSamples)
        {
            window.Histogram.Reset();
        }
        window.Histogram.Record(micros);
    }

    /// <summary>The record of <paramref name="version"/>, or null when another engine is serving.</summary>
    public LatencySummary? Of(string version)
    {
        var window = Volatile.Read(ref _current);
        return window.Version == version ? window.Histogram.Summarize() : null;
    }
}
