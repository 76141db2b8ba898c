namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>The Last Will the broker publishes when the connection dies without a DISCONNECT.</summary>
public sealed record MqttWill(string Topic, ReadOnlyMemory<byte> Payload, MqttQos Qos = MqttQos.AtLeastOnce, bool Retain = true);
