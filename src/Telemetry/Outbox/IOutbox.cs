namespace EdgeAgent.Telemetry.Outbox;

/// <summary>
/// Store-and-forward queue: producers append, one forwarder reads in order and acknowledges
/// what the broker accepted. Delivery is at-least-once; sequence numbers let receivers drop duplicates.
/// </summary>
public interface IOutbox : IDisposable
{
    /// <summary>Stores the payload under the stream's next sequence number and returns that number.</summary>
    ulong Append(string stream, ReadOnlySpan<byte> payload, long timestampUnixMs);

    /// <summary>Stores several records in order with one write, as durable on return as the same single appends;
    /// <paramref name="sequences"/>[i] receives entry i's sequence number. Records of one stream get consecutive numbers.</summary>
    void Append(ReadOnlySpan<OutboxEntry> entries, Span<ulong> sequences);

    /// <summary>Up to <paramref name="max"/> records after the last one read; empty when caught up.</summary>
    IReadOnlyList<OutboxRecord> Read(int max);

    /// <summary>Everything up to and including <paramref name="last"/> was delivered; <paramref name="count"/> records.</summary>
    void Acknowledge(OutboxRecord last, int count);

    /// <summary>Forget what was read but not acknowledged, so the next <see cref="Read"/> starts again after the last acknowledged record.</summary>
    void Rewind();

    /// <summary>Records of the stream dropped (outbox full) since the last call; reported in the next message.</summary>
    ulong TakeDropped(string stream);

    /// <summary>Completes at the first append after it was obtained. Take it before <see cref="Read"/> so an
    /// append between the two cannot be missed; it is shared by all waiters and needs no cancellation.</summary>
    Task NextAppend { get; }

    OutboxStats Stats { get; }
}
