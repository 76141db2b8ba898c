namespace EdgeAgent.Telemetry.Mqtt;

public enum MqttConnectionState
{
    Disconnected = 0,
    Connecting = 1,
    Connected = 2,
    Disposed = 3,
}

/// <summary>Raised on every transition; <see cref="SessionPresent"/> tells whether the broker kept the subscriptions.</summary>
public sealed record MqttConnectionChange(MqttConnectionState State, bool SessionPresent, string? Reason);
