using System.Threading.Channels;

namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>The seam between the device's messaging and the MQTT library underneath.</summary>
public interface IMqttClient : IAsyncDisposable
{
    MqttConnectionState State { get; }

    /// <summary>The protocol of the current (or last) connection: <see cref="MqttProtocol.V5"/> or <see cref="MqttProtocol.V311"/>.</summary>
    MqttProtocol NegotiatedProtocol { get; }

    /// <summary>Last connection error in words, for status lines and logs.</summary>
    string? LastError { get; }

    /// <summary>Raised on the connection loop; handlers must be quick and must not block.</summary>
    event Action<MqttConnectionChange>? ConnectionChanged;

    ChannelReader<MqttMessage> Messages { get; }

    /// <summary>Starts the network thread and completes on the first accepted CONNACK. Refused credentials throw
    /// <see cref="MqttConnectRefusedException"/>; an unreachable broker keeps retrying until cancelled.</summary>
    Task ConnectAsync(CancellationToken cancellationToken);

    Task WaitUntilConnectedAsync(CancellationToken cancellationToken);

    /// <summary>QoS 0 completes once written to the socket; QoS 1 completes on PUBACK and faults with
    /// <see cref="MqttException"/> when the broker rejects the message, or with <see cref="MqttNotConnectedException"/>
    /// when the connection drops first (the message may or may not have arrived: the outbox sends it again).
    /// Throws <see cref="MqttNotConnectedException"/> at once while offline: holding messages through an
    /// outage is the outbox's job, not the client's. <paramref name="properties"/> go out on MQTT 5 only.</summary>
    Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQos qos, bool retain, MqttPublishProperties? properties,
        CancellationToken cancellationToken);

    Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQos qos, bool retain, CancellationToken cancellationToken) =>
        PublishAsync(topic, payload, qos, retain, null, cancellationToken);

    /// <summary>Subscriptions are remembered and renewed after reconnects that lose the session.</summary>
    Task SubscribeAsync(string filter, MqttQos qos, CancellationToken cancellationToken);

    /// <summary>Waits for outstanding QoS 1 acknowledgements (bounded by the token), then sends DISCONNECT.</summary>
    Task DisconnectAsync(CancellationToken cancellationToken);
}
