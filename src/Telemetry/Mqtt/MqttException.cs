namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>A failure the user can act on (wrong credentials, broker refused, not connected).</summary>
public class MqttException(string message, int code = 0) : Exception(message)
{
    /// <summary>MQTT 5 reason code (CONNACK, PUBACK, SUBACK), 0 when not applicable.</summary>
    public int Code { get; } = code;
}

public sealed class MqttConnectRefusedException(string message, int code) : MqttException(message, code);

public sealed class MqttNotConnectedException(string message) : MqttException(message);
