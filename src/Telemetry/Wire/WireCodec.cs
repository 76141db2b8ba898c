using System.Text;
using Google.Protobuf;

namespace EdgeAgent.Telemetry.Wire;

/// <summary>
/// Encodes and decodes contract messages in either payload format. JSON uses protobuf's
/// canonical JSON mapping (lowerCamelCase names, enums by name, 64-bit integers as strings,
/// timestamps as RFC 3339) so both formats carry exactly the same information.
/// </summary>
public static class WireCodec
{
    /// <summary>Larger payloads are refused before parsing; artifact chunks are the biggest legitimate messages.</summary>
    public const int MaxPayloadBytes = 4 * 1024 * 1024;

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static byte[] Encode(IMessage message, PayloadFormat format) =>
        format == PayloadFormat.Json ? Encoding.UTF8.GetBytes(Formatter.Format(message)) : message.ToByteArray();

    public static string ToJson(IMessage message) => Formatter.Format(message);

    /// <summary>Recognises JSON by its first non-blank byte; a protobuf message never starts with '{' followed by JSON.</summary>
    public static PayloadFormat Detect(ReadOnlySpan<byte> payload)
    {
        foreach (var b in payload)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') continue;
            return b == (byte)'{' ? PayloadFormat.Json : PayloadFormat.Protobuf;
        }
        return PayloadFormat.Protobuf;
    }

    /// <summary>Never throws on bad input: malformed payloads come from the network and are answered, not crashed on.</summary>
    public static bool TryDecode<T>(ReadOnlySpan<byte> payload, MessageParser<T> parser, out T message, out string error)
        where T : IMessage<T>, new()
    {
        message = default!;
        if (payload.Length > MaxPayloadBytes)
        {
            error = $"payload of {payload.Length} bytes exceeds the {MaxPayloadBytes}-byte limit";
            return false;
        }
        try
        {
            if (Detect(payload) == PayloadFormat.Json)
            {
                string text;
                try
                {
                    text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload);
                }
                catch (DecoderFallbackException)
                {
                    error = "JSON payload is not valid UTF-8";
                    return false;
                }
                message = Parser.Parse<T>(text);
            }
            else
            {
                message = parser.ParseFrom(payload);
            }
            error = "";
            return true;
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException or ArgumentException or InvalidOperationException)
        {
            error = $"malformed {typeof(T).Name}: {e.Message}";
            return false;
        }
    }
}
