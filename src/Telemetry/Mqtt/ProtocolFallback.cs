namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>Decides when an MQTT 5 attempt should be retried as 3.1.1, and which refusals are about credentials.</summary>
internal static class ProtocolFallback
{
    private const int V3UnacceptableProtocol = 1;
    private const int V5UnsupportedProtocol = 0x84;
    private const int ErrProtocol = 2;
    private const int ErrMalformedPacket = 21;

    /// <summary>A 3.1.1-only broker answers a v5 CONNECT with a v3 CONNACK code 1 (or its v5 twin 0x84).</summary>
    public static bool ShouldFallBackOnRefusal(int protocolInUse, MqttProtocol configured, int code) =>
        protocolInUse == 5 && configured == MqttProtocol.Auto && code is V3UnacceptableProtocol or V5UnsupportedProtocol;

    /// <summary>Some 3.1.1 brokers just close the socket or send a CONNACK that does not parse as v5.</summary>
    public static bool ShouldFallBackOnError(int protocolInUse, MqttProtocol configured, int mosquittoError) =>
        protocolInUse == 5 && configured == MqttProtocol.Auto && mosquittoError is ErrProtocol or ErrMalformedPacket;

    /// <summary>Refusals that will not fix themselves by retrying with the same credentials.</summary>
    public static bool IsCredentialRefusal(int code, bool v5) =>
        v5 ? code is 0x86 or 0x87 or 0x8A or 0x8C or 0x85 : code is 2 or 4 or 5;
}
