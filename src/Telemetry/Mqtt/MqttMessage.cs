namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>A message received on a subscription. <see cref="Properties"/> is null when it came without MQTT 5 properties.</summary>
public sealed record MqttMessage(string Topic, byte[] Payload, MqttQos Qos, bool Retained, MqttPublishProperties? Properties = null);
