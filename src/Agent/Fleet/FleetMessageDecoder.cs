using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Agent.Fleet;

/// <summary>
/// Turns a message from <c>{prefix}/{deviceId}/{status|telemetry|events|reply}</c> into a
/// <see cref="DeviceUpdate"/>, in either payload format (the contract's first-byte rule), and
/// drops copies of messages already seen: devices deliver at least once, so a reconnect can
/// repeat a reply or a telemetry window, recognisable by its per-stream <c>seq</c>.
/// </summary>
public sealed class FleetMessageDecoder(string prefix)
{
    private readonly SequenceFilter _sequences = new();

    /// <summary>Null for topics that are not a device's (or not one of the four streams read here) and for repeats.</summary>
    public DeviceUpdate? Decode(MqttMessage message)
    {
        if (!TrySplit(message.Topic, out var deviceId, out var leaf)) return null;
        var payload = message.Payload.AsSpan();
        switch (leaf)
        {
            case "status":
                // An empty retained message is how a device's stored status gets cleared.
                if (payload.IsEmpty) return null;
                return WireCodec.TryDecode(payload, Status.Parser, out var status, out var error)
                    ? new StatusUpdate(deviceId, status, message.Retained)
                    : new MalformedUpdate(deviceId, message.Topic, error);
            case "reply":
                if (!WireCodec.TryDecode(payload, Reply.Parser, out var reply, out error)) return new MalformedUpdate(deviceId, message.Topic, error);
                return _sequences.IsNew(deviceId, Streams.Replies, reply.Header?.Seq ?? 0) ? new ReplyUpdate(deviceId, reply) : null;
            case "telemetry":
                if (!WireCodec.TryDecode(payload, Telemetry.Wire.Telemetry.Parser, out var telemetry, out error)) return new MalformedUpdate(deviceId, message.Topic, error);
                return _sequences.IsNew(deviceId, Streams.Telemetry, telemetry.Header?.Seq ?? 0) ? new TelemetryUpdate(deviceId, telemetry) : null;
            case "events":
                if (!WireCodec.TryDecode(payload, Event.Parser, out var evt, out error)) return new MalformedUpdate(deviceId, message.Topic, error);
                return _sequences.IsNew(deviceId, Streams.Events, evt.Header?.Seq ?? 0) ? new EventUpdate(deviceId, evt) : null;
            default:
                return null;
        }
    }

    private bool TrySplit(string topic, out string deviceId, out string leaf)
    {
        deviceId = leaf = "";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal) || topic.Length <= prefix.Length + 1 || topic[prefix.Length] != '/') return false;
        var rest = topic.AsSpan(prefix.Length + 1);
        int slash = rest.IndexOf('/');
        if (slash <= 0 || rest[(slash + 1)..].IndexOf('/') >= 0) return false;
        deviceId = rest[..slash].ToString();
        leaf = rest[(slash + 1)..].ToString();
        return true;
    }
}

/// <summary>Remembers recent sequence numbers per device and stream; seq 0 means "not numbered" and always passes.</summary>
internal sealed class SequenceFilter
{
    private const int Window = 4096;
    private readonly Dictionary<(string Device, string Stream), (HashSet<ulong> Seen, ulong Highest)> _streams = [];

    public bool IsNew(string deviceId, string stream, ulong seq)
    {
        if (seq == 0) return true;
        var key = (deviceId, stream);
        if (!_streams.TryGetValue(key, out var state)) state = ([], 0);
        // Far behind the newest: an old duplicate (or a device whose counter restarted, which
        // the contract rules out), not worth remembering every number forever for.
        if (state.Highest > Window && seq <= state.Highest - Window) return false;
        if (!state.Seen.Add(seq)) return false;
        if (seq > state.Highest)
        {
            state.Highest = seq;
            if (state.Seen.Count > 2 * Window) state.Seen.RemoveWhere(s => s + Window < seq);
        }
        _streams[key] = state;
        return true;
    }
}
