namespace EdgeAgent.Telemetry.Wire;

/// <summary>The topics of one device: <c>{prefix}/{deviceId}/status|telemetry|events|results|cmd|reply</c>.</summary>
public sealed record TopicTree
{
    public const string DefaultPrefix = "edgeagent";

    private TopicTree(string prefix, string deviceId)
    {
        Prefix = prefix;
        DeviceId = deviceId;
        var root = $"{prefix}/{deviceId}";
        Status = root + "/status";
        Telemetry = root + "/telemetry";
        Events = root + "/events";
        Results = root + "/results";
        Commands = root + "/cmd";
        Replies = root + "/reply";
    }

    public string Prefix { get; }
    public string DeviceId { get; }
    public string Status { get; }
    public string Telemetry { get; }
    public string Events { get; }
    public string Results { get; }
    public string Commands { get; }
    public string Replies { get; }

    public string ForStream(string stream) => stream switch
    {
        Streams.Telemetry => Telemetry,
        Streams.Events => Events,
        Streams.Results => Results,
        Streams.Replies => Replies,
        _ => throw new ArgumentException($"unknown stream '{stream}'", nameof(stream)),
    };

    public static TopicTree Create(string deviceId, string prefix = DefaultPrefix)
    {
        if (ValidateDeviceId(deviceId) is { } problem) throw new ArgumentException(problem, nameof(deviceId));
        if (string.IsNullOrEmpty(prefix) || prefix.IndexOfAny(['+', '#', '\0']) >= 0 || prefix.StartsWith('/') || prefix.EndsWith('/'))
            throw new ArgumentException($"topic prefix '{prefix}' must be non-empty, without wildcards or leading/trailing '/'", nameof(prefix));
        return new TopicTree(prefix, deviceId);
    }

    /// <summary>A device id becomes one topic level and the MQTT client id, so it must be a plain token.</summary>
    public static string? ValidateDeviceId(string? deviceId)
    {
        if (string.IsNullOrWhiteSpace(deviceId)) return "device id is empty";
        if (deviceId.Length > 64) return $"device id '{deviceId[..16]}...' is longer than 64 characters";
        foreach (var c in deviceId)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                return $"device id '{deviceId}' may only contain letters, digits, '-', '_' and '.'";
        return null;
    }
}

/// <summary>Names of the outbox streams; each has its own sequence numbers.</summary>
public static class Streams
{
    public const string Telemetry = "telemetry";
    public const string Events = "events";
    public const string Results = "results";
    public const string Replies = "reply";
}
