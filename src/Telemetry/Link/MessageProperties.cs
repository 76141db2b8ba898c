using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Link;

/// <summary>
/// The MQTT 5 properties every device message carries: the payload's content type and a
/// <c>payload-format</c> user property (so a consumer can decode without sniffing), and an expiry where
/// stale data is worthless. A 3.1.1 connection sends none of them; consumers then fall back to
/// <see cref="WireCodec.Detect"/>.
/// </summary>
public static class MessageProperties
{
    public const string PayloadFormatProperty = "payload-format";
    public const string SchemaVersionProperty = "schema-version";

    public static string ContentType(PayloadFormat format) =>
        format == PayloadFormat.Json ? "application/json" : "application/x-protobuf";

    public static MqttPublishProperties For(PayloadFormat format, uint expirySeconds) => new()
    {
        ContentType = ContentType(format),
        MessageExpirySeconds = expirySeconds,
        UserProperties =
        [
            KeyValuePair.Create(PayloadFormatProperty, format.Name()),
            KeyValuePair.Create(SchemaVersionProperty, Contract.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ],
    };
}
