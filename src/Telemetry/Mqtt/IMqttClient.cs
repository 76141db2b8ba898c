using System.Threading.Channels;

namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>The seam between the device's messaging and the MQTT library underneath.</summary>
public interface IMqttClient : IAsyncDisposable
{
    MqttConnectionState State { get; }

    /// <summary>Last connection error in words, for status lines and logs.</summary>
    string? LastError { get; }

    /// <summary>Raised on the network thread; handlers must be quick and must not block.</summary>
    event Action<MqttConnectionChange>? ConnectionChanged;

    ChannelReader<MqttMessage> Messages { get; }

    /// <summary>Starts the network thread and completes on the first accepted CONNACK. Refused credentials throw
    /// <see cref="MqttConnectRefusedException"/>; an unreachable broker keeps retrying until cancelled.</summary>
    Task ConnectAsync(CancellationToken cancellationToken);

    Task WaitUntilConnectedAsync(CancellationToken cancellationToken);

    /// <summary>QoS 0 completes once queued; QoS 1 completes on PUBACK (also when that comes after a reconnect,
    /// because libmosquitto resends unacknowledged messages). Throws <see cref="MqttNotConnectedException"/> while offline:
    /// holding messages through an outage is the outbox's job, not the client's.</summary>
    Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQos qos, bool retain, CancellationToken cancellationToken);

    /// <summary>Subscriptions are remembered and renewed after reconnects that lose the session.</summary>
    Task SubscribeAsync(string filter, MqttQos qos, CancellationToken cancellationToken);

    /// <summary>Waits for outstanding QoS 1 acknowledgements (bounded by the token), then sends DISCONNECT.</summary>
    Task DisconnectAsync(CancellationToken cancellationToken);
}
