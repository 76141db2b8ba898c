namespace EdgeAgent.Telemetry.Metrics;

/// <summary>
/// Latency over fixed windows (e.g. 10 s): recorders write the current histogram while the
/// reporter closes the window by swapping in a cleared spare. A recorder that raced the swap
/// lands its value in the next window; that is the price of never blocking the frame loop.
/// </summary>
public sealed class WindowedHistogram
{
    private LatencyHistogram _current = new();
    private LatencyHistogram _spare = new();
    private readonly Lock _rotate = new();

    public void Record(long micros) => Volatile.Read(ref _current).Record(micros);

    public void Record(TimeSpan latency) => Volatile.Read(ref _current).Record(latency);

    /// <summary>Closes the window and returns its summary; only the reporter calls this.</summary>
    public LatencySummary Rotate()
    {
        lock (_rotate)
        {
            var closed = Interlocked.Exchange(ref _current, _spare);
            var summary = closed.Summarize();
            closed.Reset();
            _spare = closed;
            return summary;
        }
    }
}
