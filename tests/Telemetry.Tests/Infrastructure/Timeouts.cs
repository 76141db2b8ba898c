namespace EdgeAgent.Telemetry.Tests.Infrastructure;

/// <summary>Every wait in these tests is bounded, so a broken build fails instead of hanging CI.</summary>
public static class Timeouts
{
    public static CancellationToken Token(double seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    public static string UniqueId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, prefix.Length + 33)];
}
