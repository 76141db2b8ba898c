using EdgeAgent.Telemetry.Metrics;

namespace EdgeAgent.Agent.Service;

/// <summary>
/// Inference latency of the engine now serving, since it started serving: the baseline a new
/// engine's probation is compared with, and the new engine's own record during probation.
/// Recording is allocation-free; a new histogram is made only when the engine changes. The
/// first frames after a switch carry one-time costs (caches, page faults, a CPU busy with the
/// swap itself) and are left out, so they cannot inflate the baseline a successor is held to.
/// </summary>
public sealed class EngineLatency
{
    /// <summary>Beyond this many samples the record starts over, so the baseline follows recent behaviour.</summary>
    private const long MaxSamples = 50_000;
    /// <summary>Frames of a newly serving engine that are not recorded.</summary>
    public const int WarmupFrames = 5;
    private Window _current = new("", new LatencyHistogram());

    private sealed class Window(string version, LatencyHistogram histogram)
    {
        public string Version { get; } = version;
        public LatencyHistogram Histogram { get; } = histogram;
        public int Skipped;
    }

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
        if (window.Skipped < WarmupFrames)
        {
            window.Skipped++;
            return;
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
