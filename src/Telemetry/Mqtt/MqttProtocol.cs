namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>Which MQTT version to speak. <see cref="Auto"/> tries 5 and falls back to 3.1.1 when the broker refuses it.</summary>
public enum MqttProtocol
{
    Auto = 0,
    V5 = 5,
    V311 = 4,
}
