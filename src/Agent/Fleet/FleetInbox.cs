using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Agent.Fleet;

/// <summary>
/// Reads decoded device updates from a link with a bounded wait, so every fleet command can keep
/// its own deadlines (no answer, overall timeout) instead of blocking on a silent broker.
/// </summary>
public sealed class FleetInbox(FleetLink link, TimeProvider time)
{
    private readonly FleetMessageDecoder _decoder = new(link.Options.Prefix);

    public TimeProvider Time => time;

    /// <summary>The next update (null when <paramref name="wait"/> passed first); repeats and foreign topics are skipped.</summary>
    public async Task<DeviceUpdate?> NextAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + wait;
        while (true)
        {
            var left = until - time.GetUtcNow();
            if (left <= TimeSpan.Zero) return null;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(left);
            Telemetry.Mqtt.MqttMessage message;
            try
            {
                message = await link.Messages.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
            if (_decoder.Decode(message) is { } update) return update;
        }
    }
}

/// <summary>How fleet output names things: states without the enum prefix, statuses in a few words.</summary>
public static class FleetWording
{
    public static string State(CommandState state) => state switch
    {
        CommandState.Accepted => "accepted",
        CommandState.Downloading => "downloading",
        CommandState.Building => "building",
        CommandState.Validating => "validating",
        CommandState.Activated => "activated (on probation)",
        CommandState.Committed => "committed",
        CommandState.RolledBack => "rolled back",
        CommandState.Failed => "failed",
        CommandState.Completed => "completed",
        CommandState.Rejected => "rejected",
        _ => "no answer yet",
    };

    public static bool IsTerminal(CommandState state) =>
        state is CommandState.Committed or CommandState.RolledBack or CommandState.Failed or CommandState.Completed or CommandState.Rejected;

    public static string Status(Status status)
    {
        string state = status.State switch
        {
            Telemetry.Wire.Status.Types.State.Online => "online",
            Telemetry.Wire.Status.Types.State.Offline => "offline",
            _ => "unknown",
        };
        if (status.Header?.Time is { } time) state += $" since {time.ToDateTimeOffset():yyyy-MM-dd HH:mm:ss}Z";
        return state;
    }

    public static string Engine(EngineInfo? engine)
    {
        if (engine is null || (engine.ModelId.Length == 0 && engine.EngineId.Length == 0)) return "-";
        string precision = engine.Precision == Precision.Unspecified ? "" : " " + engine.Precision.ToString().ToLowerInvariant();
        string backend = engine.Backend.Length == 0 ? "" : "/" + engine.Backend;
        return $"{engine.ModelId}:{engine.ModelVersion}{precision}{backend}";
    }

    /// <summary>Why a device stayed silent, as far as the broker's retained status tells.</summary>
    public static string Silence(string deviceId, TimeSpan waited, Status? lastStatus, int malformed, string? lastMalformed)
    {
        string text = $"device '{deviceId}' did not answer within {waited.TotalSeconds:0.#} s";
        text += lastStatus is null
            ? " (the broker holds no status for it: check --device and the device's broker settings)"
            : $" (its last status: {Status(lastStatus)})";
        if (malformed > 0) text += $"; {malformed} malformed message(s) from it were ignored, the last: {lastMalformed}";
        return text;
    }
}
