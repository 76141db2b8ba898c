namespace EdgeAgent.Engine.Graph;

/// <summary>Where a Concat input lives inside the Concat's output: along <paramref name="Axis"/>, starting at <paramref name="Offset"/>.</summary>
public sealed record ConcatPlacement(Value Target, int Axis, long Offset);
