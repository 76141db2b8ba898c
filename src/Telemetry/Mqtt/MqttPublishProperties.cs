namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>
/// MQTT 5 properties of one message. On a 3.1.1 connection they are not sent (the protocol has no place
/// for them); receivers then see none, so anything built on them must have a 3.1.1 fallback.
/// </summary>
public sealed record MqttPublishProperties
{
    /// <summary>The broker discards the message when it is still undelivered after this long; 0 keeps it.</summary>
    public uint MessageExpirySeconds { get; init; }

    /// <summary>The payload's format, e.g. <c>application/x-protobuf</c> or <c>application/json</c>.</summary>
    public string? ContentType { get; init; }

    /// <summary>Where a reply should go (request/response).</summary>
    public string? ResponseTopic { get; init; }

    /// <summary>Opaque bytes the reply carries back, so a requester can tell its own replies apart.</summary>
    public byte[]? CorrelationData { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> UserProperties { get; init; } = [];

    public string? UserProperty(string name)
    {
        foreach (var (key, value) in UserProperties)
            if (key == name) return value;
        return null;
    }
}
