namespace EdgeAgent.Telemetry.Metrics;

public sealed record ProcessSample(double CpuPercent, long RssBytes);

/// <summary>CPU use of this process between two samples (100 = one core) and its resident set size.</summary>
public sealed class ProcessSampler(TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private TimeSpan _lastCpu = Environment.CpuUsage.TotalTime;
    private long _lastTimestamp = (time ?? TimeProvider.System).GetTimestamp();

    public ProcessSample Sample()
    {
        var cpu = Environment.CpuUsage.TotalTime;
        long now = _time.GetTimestamp();
        var wall = _time.GetElapsedTime(_lastTimestamp, now);
        double percent = wall > TimeSpan.Zero ? (cpu - _lastCpu).TotalMilliseconds / wall.TotalMilliseconds * 100 : 0;
        _lastCpu = cpu;
        _lastTimestamp = now;
        return new ProcessSample(Math.Max(0, percent), Environment.WorkingSet);
    }
}
