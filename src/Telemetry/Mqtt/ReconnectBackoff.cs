namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>
/// Exponential backoff with jitter: a fleet that lost its broker at the same instant must not
/// come back in lockstep, so each delay is drawn from [half, full] of the exponential step.
/// </summary>
public sealed class ReconnectBackoff(TimeSpan min, TimeSpan max, Random? random = null)
{
    private readonly Random _random = random ?? new Random();

    /// <summary>Delay before attempt number <paramref name="failures"/> (1 = first retry).</summary>
    public TimeSpan Next(int failures)
    {
        if (failures <= 0) return TimeSpan.Zero;
        double step = min.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 30));
        double capped = Math.Min(step, max.TotalMilliseconds);
        double jittered = capped * (0.5 + 0.5 * _random.NextDouble());
        return TimeSpan.FromMilliseconds(Math.Max(jittered, min.TotalMilliseconds));
    }
}
