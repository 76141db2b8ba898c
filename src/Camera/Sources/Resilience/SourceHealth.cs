namespace EdgeAgent.Camera.Sources.Resilience;

public enum SourceState
{
    Starting,
    Streaming,
    Reconnecting,
    /// <summary>A finite source (file, folder) reached its end.</summary>
    Ended,
    /// <summary>Gave up: a configuration error, or too many failures in a row.</summary>
    Failed,
}

/// <summary>A snapshot of a source's health for telemetry and the probe.</summary>
public sealed record SourceHealth(
    SourceState State,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    int Restarts,
    int ConsecutiveFailures);
