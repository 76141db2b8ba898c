namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>Decides when an MQTT 5 attempt should be retried as 3.1.1, and which refusals are about credentials.
/// Codes are MQTT 5 reason codes (see <see cref="ReasonCodes"/>).</summary>
internal static class ProtocolFallback
{
    /// <summary>A 3.1.1-only broker answers a v5 CONNECT with its return code 1 (unacceptable protocol version),
    /// which a v5 reader sees as 1 as it stands, or translated to 0x84.</summary>
    public static bool ShouldFallBackOnRefusal(int protocolInUse, MqttProtocol configured, int code) =>
        protocolInUse == 5 && configured == MqttProtocol.Auto && code is ReasonCodes.UnsupportedProtocolVersion or V311UnacceptableProtocol;

    private const int V311UnacceptableProtocol = 1;

    /// <summary>Some 3.1.1 brokers just close the socket, or answer with a CONNACK that does not parse as v5:
    /// a failure after the TCP connection was made (not one reaching the broker) means try 3.1.1.</summary>
    public static bool ShouldFallBackOnError(int protocolInUse, MqttProtocol configured, bool reachedBroker) =>
        protocolInUse == 5 && configured == MqttProtocol.Auto && reachedBroker;

    /// <summary>Refusals that will not fix themselves by retrying with the same credentials.</summary>
    public static bool IsCredentialRefusal(int code) => code is 0x85 or 0x86 or 0x87 or 0x8A or 0x8C;
}
