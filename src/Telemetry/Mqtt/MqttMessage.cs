namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>A message received on a subscription; payload is copied out of native memory.</summary>
public sealed record MqttMessage(string Topic, byte[] Payload, MqttQos Qos, bool Retained);
