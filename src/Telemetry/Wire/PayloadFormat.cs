namespace EdgeAgent.Telemetry.Wire;

/// <summary>How payloads are encoded on the wire: compact protobuf for fleets, JSON for people and simple tools.</summary>
public enum PayloadFormat
{
    Protobuf = 0,
    Json = 1,
}

public static class PayloadFormats
{
    public static bool TryParse(string? text, out PayloadFormat format)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "protobuf" or "proto" or "pb":
                format = PayloadFormat.Protobuf;
                return true;
            case "json":
                format = PayloadFormat.Json;
                return true;
            default:
                format = default;
                return false;
        }
    }

    public static string Name(this PayloadFormat format) => format == PayloadFormat.Json ? "json" : "protobuf";
}
