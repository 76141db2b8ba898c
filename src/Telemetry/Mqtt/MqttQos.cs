namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>The delivery guarantees the device uses; QoS 2 is deliberately absent (sequence numbers make duplicates harmless).</summary>
public enum MqttQos
{
    AtMostOnce = 0,
    AtLeastOnce = 1,
}
