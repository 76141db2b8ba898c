using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Agent.Fleet;

/// <summary>What <c>fleet watch</c> knows about one device, from its status, last telemetry window and events.</summary>
public sealed record DeviceRow
{
    public required string DeviceId { get; init; }
    public string Status { get; init; } = "unknown";
    public string DeploymentState { get; init; } = "";
    public string Engine { get; init; } = "-";
    public double? Fps { get; init; }
    public double? P50Ms { get; init; }
    public double? P99Ms { get; init; }

    /// <summary>Largest PSI over the tracked distributions in the last window.</summary>
    public double? MaxPsi { get; init; }
    public double? ShadowCosine { get; init; }

    /// <summary>Drift metrics whose last event raised an alarm that has not cleared.</summary>
    public IReadOnlySet<string> DriftAlarms { get; init; } = new SortedSet<string>();
    public ulong? DroppedLastWindow { get; init; }
    public ulong DroppedSinceWatch { get; init; }

    /// <summary>Telemetry windows missing from the sequence and not explained by the outbox (lost elsewhere).</summary>
    public ulong TelemetryGaps { get; init; }
    public ulong LastTelemetrySeq { get; init; }
    public DateTimeOffset? LastSeen { get; init; }
    public int Malformed { get; init; }
}

/// <summary>
/// The fleet as seen from the broker: folds status, telemetry and event updates into one row per
/// device. Latency is the inference stage when the device reports it, else end to end.
/// </summary>
public sealed class FleetBoard(string? onlyDevice = null)
{
    private readonly SortedDictionary<string, DeviceRow> _rows = new(StringComparer.Ordinal);

    public IReadOnlyCollection<DeviceRow> Rows => _rows.Values;
    public int Version { get; private set; }

    public void Apply(DeviceUpdate update, DateTimeOffset now)
    {
        if (onlyDevice is not null && update.DeviceId != onlyDevice) return;
        var row = _rows.TryGetValue(update.DeviceId, out var existing) ? existing : new DeviceRow { DeviceId = update.DeviceId };
        row = update switch
        {
            StatusUpdate s => row with
            {
                Status = FleetWording.Status(s.Status).Split(' ')[0],
                DeploymentState = s.Status.DeploymentState,
                Engine = s.Status.Engine is null ? row.Engine : FleetWording.Engine(s.Status.Engine),
                LastSeen = s.Retained ? row.LastSeen : now,
            },
            TelemetryUpdate t => ApplyTelemetry(row, t.Telemetry, now),
            EventUpdate e => ApplyEvent(row, e.Event, now),
            MalformedUpdate => row with { Malformed = row.Malformed + 1 },
            _ => row,
        };
        _rows[update.DeviceId] = row;
        Version++;
    }

    private static DeviceRow ApplyTelemetry(DeviceRow row, Telemetry.Wire.Telemetry telemetry, DateTimeOffset now)
    {
        var stage = telemetry.Stages.FirstOrDefault(s => s.Stage == Stage.Inference)
                    ?? telemetry.Stages.FirstOrDefault(s => s.Stage == Stage.EndToEnd);
        ulong seq = telemetry.Header?.Seq ?? 0;
        ulong gaps = row.TelemetryGaps;
        if (seq > 0 && row.LastTelemetrySeq > 0 && seq > row.LastTelemetrySeq + 1)
        {
            ulong missing = seq - row.LastTelemetrySeq - 1;
            ulong explained = telemetry.Header?.DroppedBefore ?? 0;
            if (missing > explained) gaps += missing - explained;
        }
        ulong dropped = telemetry.Pipeline?.FramesDropped ?? 0;
        return row with
        {
            // A status message may not have arrived yet (watch started after it was cleared); telemetry proves life.
            Status = row.Status == "unknown" ? "online" : row.Status,
            Engine = telemetry.Engine is null ? row.Engine : FleetWording.Engine(telemetry.Engine),
            Fps = telemetry.Pipeline?.Fps,
            P50Ms = stage?.P50Ms,
            P99Ms = stage?.P99Ms,
            MaxPsi = telemetry.Distributions.Count == 0 ? null : telemetry.Distributions.Max(d => d.Psi),
            ShadowCosine = telemetry.Shadow?.CosineMean,
            DroppedLastWindow = telemetry.Pipeline?.FramesDropped,
            DroppedSinceWatch = row.DroppedSinceWatch + dropped,
            TelemetryGaps = gaps,
            LastTelemetrySeq = Math.Max(seq, row.LastTelemetrySeq),
            LastSeen = now,
        };
    }

    private static DeviceRow ApplyEvent(DeviceRow row, Event evt, DateTimeOffset now)
    {
        if (evt.Drift is not { } drift || string.IsNullOrEmpty(drift.Metric)) return row with { LastSeen = now };
        var alarms = new SortedSet<string>(row.DriftAlarms, StringComparer.Ordinal);
        if (drift.Cleared) alarms.Remove(drift.Metric);
        else alarms.Add(drift.Metric);
        return row with { DriftAlarms = alarms, LastSeen = now };
    }
}
