using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Agent.Fleet;

/// <summary>Something one device said, decoded; what the fleet commands react to.</summary>
public abstract record DeviceUpdate(string DeviceId);

public sealed record ReplyUpdate(string DeviceId, Reply Reply) : DeviceUpdate(DeviceId);

/// <param name="Retained">True for the broker's stored copy (the last known state), false for a live change.</param>
public sealed record StatusUpdate(string DeviceId, Status Status, bool Retained) : DeviceUpdate(DeviceId);

public sealed record TelemetryUpdate(string DeviceId, Telemetry.Wire.Telemetry Telemetry) : DeviceUpdate(DeviceId);

public sealed record EventUpdate(string DeviceId, Event Event) : DeviceUpdate(DeviceId);

/// <summary>A payload that did not decode: reported and skipped, never fatal (it comes from the network).</summary>
public sealed record MalformedUpdate(string DeviceId, string Topic, string Error) : DeviceUpdate(DeviceId);
