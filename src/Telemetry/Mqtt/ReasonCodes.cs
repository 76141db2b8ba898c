namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>
/// MQTT 5 reason codes in words. A 3.1.1 CONNACK return code is reported in its MQTT 5
/// equivalent (1 → 0x84 unsupported protocol version, 4 → 0x86, 5 → 0x87), so one table serves both.
/// </summary>
public static class ReasonCodes
{
    public const int UnsupportedProtocolVersion = 0x84;

    /// <summary>"bad user name or password (0x86)".</summary>
    public static string Describe(int code) => $"{Words(code)} (0x{code:x2})";

    private static string Words(int code) => code switch
    {
        0x00 => "success",
        0x01 => "unacceptable protocol version (a 3.1.1 broker's answer to MQTT 5)",
        0x10 => "no matching subscribers",
        0x80 => "unspecified error",
        0x81 => "malformed packet",
        0x82 => "protocol error",
        0x83 => "implementation specific error",
        0x84 => "unsupported protocol version",
        0x85 => "client identifier not valid",
        0x86 => "bad user name or password",
        0x87 => "not authorized",
        0x88 => "server unavailable",
        0x89 => "server busy",
        0x8A => "banned",
        0x8B => "server shutting down",
        0x8C => "bad authentication method",
        0x8D => "keep alive timeout",
        0x8E => "session taken over",
        0x8F => "topic filter invalid",
        0x90 => "topic name invalid",
        0x91 => "packet identifier in use",
        0x93 => "receive maximum exceeded",
        0x95 => "packet too large",
        0x96 => "message rate too high",
        0x97 => "quota exceeded",
        0x98 => "administrative action",
        0x99 => "payload format invalid",
        0x9A => "retain not supported",
        0x9B => "QoS not supported",
        0x9C => "use another server",
        0x9D => "server moved",
        0x9F => "connection rate exceeded",
        _ => "reason code",
    };
}
