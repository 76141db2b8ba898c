using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Metrics;

/// <summary>The numbers of one closed window of the camera pipeline.</summary>
public sealed record PipelineWindow(TimeSpan Length, IReadOnlyDictionary<Stage, LatencySummary> Stages, long Frames, long FramesDropped,
    int QueueDepth)
{
    public double Fps => Length > TimeSpan.Zero ? Frames / Length.TotalSeconds : 0;
}

/// <summary>
/// What the frame loop reports: per-stage latency, frames completed and dropped, queue depth.
/// Every call is allocation-free so it can sit on the per-frame path.
/// </summary>
public sealed class PipelineMetrics(TimeProvider? time = null)
{
    private static readonly Stage[] AllStages = [Stage.CaptureAge, Stage.Preprocess, Stage.Inference, Stage.Postprocess, Stage.EndToEnd];

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly WindowedHistogram[] _stages = AllStages.Select(_ => new WindowedHistogram()).ToArray();
    private long _frames, _dropped, _windowStart = (time ?? TimeProvider.System).GetTimestamp();
    private int _queueDepth;

    public void Record(Stage stage, TimeSpan latency)
    {
        int index = (int)stage - 1;
        if ((uint)index < (uint)_stages.Length) _stages[index].Record(latency);
    }

    public void Record(Stage stage, long micros)
    {
        int index = (int)stage - 1;
        if ((uint)index < (uint)_stages.Length) _stages[index].Record(micros);
    }

    public void FrameCompleted() => Interlocked.Increment(ref _frames);
    public void FrameDropped() => Interlocked.Increment(ref _dropped);
    public void SetQueueDepth(int depth) => Volatile.Write(ref _queueDepth, depth);

    /// <summary>Closes the current window.</summary>
    public PipelineWindow Rotate()
    {
        long now = _time.GetTimestamp();
        var length = _time.GetElapsedTime(Interlocked.Exchange(ref _windowStart, now), now);
        var stages = new Dictionary<Stage, LatencySummary>();
        for (int i = 0; i < _stages.Length; i++)
        {
            var summary = _stages[i].Rotate();
            if (summary.Count > 0) stages[AllStages[i]] = summary;
        }
        return new PipelineWindow(length, stages, Interlocked.Exchange(ref _frames, 0), Interlocked.Exchange(ref _dropped, 0),
            Volatile.Read(ref _queueDepth));
    }
}
