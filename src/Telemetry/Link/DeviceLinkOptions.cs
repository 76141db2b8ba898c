using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Link;

public sealed record DeviceLinkOptions
{
    public required string DeviceId { get; init; }
    public PayloadFormat PayloadFormat { get; init; } = PayloadFormat.Protobuf;
    public string TopicPrefix { get; init; } = TopicTree.DefaultPrefix;
    public string AgentVersion { get; init; } = "";

    /// <summary>MQTT 5 message expiry of telemetry: a broker holding it for an offline subscriber drops it after
    /// this long (a dashboard wants the current window, not an hour-old backlog); 0 keeps it. Events, results,
    /// replies and status never expire.</summary>
    public uint TelemetryExpirySeconds { get; init; } = 3600;

    /// <summary>QoS 1 messages the forwarder keeps in flight.</summary>
    public int PublishWindow { get; init; } = 64;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (TopicTree.ValidateDeviceId(DeviceId) is { } problem) errors.Add(problem);
        if (PublishWindow is < 1 or > 1000) errors.Add($"publish window {PublishWindow} is outside 1-1000");
        return errors;
    }
}
