namespace EdgeAgent.Telemetry.Outbox;

/// <summary>Where a record ends: acknowledging a position acknowledges everything before it.</summary>
public readonly record struct OutboxPosition(long Segment, long Offset) : IComparable<OutboxPosition>
{
    public int CompareTo(OutboxPosition other) =>
        Segment != other.Segment ? Segment.CompareTo(other.Segment) : Offset.CompareTo(other.Offset);

    public static bool operator <(OutboxPosition a, OutboxPosition b) => a.CompareTo(b) < 0;
    public static bool operator >(OutboxPosition a, OutboxPosition b) => a.CompareTo(b) > 0;
    public static bool operator <=(OutboxPosition a, OutboxPosition b) => a.CompareTo(b) <= 0;
    public static bool operator >=(OutboxPosition a, OutboxPosition b) => a.CompareTo(b) >= 0;
}

/// <summary>One record to store with <see cref="IOutbox.Append(ReadOnlySpan{OutboxEntry}, Span{ulong})"/>.</summary>
public readonly record struct OutboxEntry(string Stream, ReadOnlyMemory<byte> Payload, long TimestampUnixMs);

/// <summary>One stored message: its stream, the sequence number it was given at append time, and its bytes.</summary>
public sealed record OutboxRecord(string Stream, ulong Sequence, long TimestampUnixMs, byte[] Payload, OutboxPosition End);

/// <summary>Counters for telemetry and tests; a snapshot, not live.</summary>
public sealed record OutboxStats(
    long Appended,
    long Acknowledged,
    long Pending,
    long Bytes,
    int Segments,
    long CorruptRecords,
    long CorruptSegments,
    long TornTails,
    long StateErrors,
    IReadOnlyDictionary<string, long> DroppedByStream)
{
    public long Dropped => DroppedByStream.Values.Sum();
}
