namespace EdgeAgent.Agent.Fleet;

/// <summary>How the operator's side reaches the broker the devices talk to.</summary>
public sealed record FleetConnectionOptions
{
    /// <summary><c>mqtt://host[:port]</c> or <c>mqtts://host[:port]</c>.</summary>
    public required string Broker { get; init; }

    public string? Username { get; init; }
    public string? Password { get; init; }
    public string? CaFile { get; init; }
    public string? CertFile { get; init; }
    public string? KeyFile { get; init; }

    /// <summary>Topic prefix the devices are configured with.</summary>
    public string Prefix { get; init; } = Telemetry.Wire.TopicTree.DefaultPrefix;

    /// <summary>How long to try to reach the broker before reporting it unreachable.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Optional sink for connection notes (shown with --verbose).</summary>
    public Action<string>? Log { get; init; }
}
