namespace EdgeAgent.Camera.Sources.Resilience;

/// <summary>
/// Exponential backoff between restarts: InitialDelay, doubled per consecutive failure, capped at
/// MaxDelay. A delivered frame resets the count. With MaxConsecutiveFailures set, the source gives
/// up (state Failed) after that many failures in a row; null retries forever, which is what a
/// camera on a device that runs for months wants.
/// </summary>
public sealed record RestartPolicy
{
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);
    public double Multiplier { get; init; } = 2;
    public int? MaxConsecutiveFailures { get; init; }

    public static RestartPolicy Default { get; } = new();

    /// <summary>Delay before the restart that follows the <paramref name="consecutiveFailures"/>-th failure (1-based).</summary>
    public TimeSpan DelayAfter(int consecutiveFailures)
    {
        if (consecutiveFailures <= 0)
            return TimeSpan.Zero;
        double ms = InitialDelay.TotalMilliseconds * Math.Pow(Multiplier, Math.Min(consecutiveFailures - 1, 60));
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxDelay.TotalMilliseconds));
    }

    public void Validate()
    {
        if (InitialDelay < TimeSpan.Zero || MaxDelay < InitialDelay || Multiplier < 1 || MaxConsecutiveFailures is < 1)
            throw new CameraConfigException($"restart policy is invalid: need 0 <= InitialDelay <= MaxDelay, Multiplier >= 1, MaxConsecutiveFailures >= 1 (got {InitialDelay}, {MaxDelay}, {Multiplier}, {MaxConsecutiveFailures})");
    }
}
