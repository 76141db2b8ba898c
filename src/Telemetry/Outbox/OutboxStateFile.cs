using System.Buffers.Binary;
using System.Text;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Outbox;

/// <summary>What must survive a restart besides the records: how far delivery got, and the last sequence number per stream.</summary>
internal sealed record OutboxState(OutboxPosition Acknowledged, IReadOnlyDictionary<string, ulong> LastSequence);

/// <summary>
/// Stores <see cref="OutboxState"/> in a small CRC-protected file, replaced by rename so a crash
/// leaves either the old or the new state. A damaged file is reported and ignored: the outbox
/// then redelivers from the oldest segment (duplicates, never loss).
/// </summary>
internal static class OutboxStateFile
{
    public const string FileName = "state";
    private static ReadOnlySpan<byte> Magic => "EAOSTAT1"u8;

    public static void Write(string directory, OutboxState state)
    {
        var buffer = new byte[8 + 16 + 4 + state.LastSequence.Sum(kv => 1 + kv.Key.Length + 8) + 4];
        var span = buffer.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], state.Acknowledged.Segment);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], state.Acknowledged.Offset);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], state.LastSequence.Count);
        int pos = 28;
        foreach (var (stream, seq) in state.LastSequence)
        {
            span[pos++] = (byte)stream.Length;
            pos += Encoding.ASCII.GetBytes(stream, span[pos..]);
            BinaryPrimitives.WriteUInt64LittleEndian(span[pos..], seq);
            pos += 8;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(span[pos..], Crc32C.Compute(span[..pos]));
        var path = Path.Combine(directory, FileName);
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, buffer);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Null when there is no state yet; <paramref name="error"/> set when the file exists but is unusable.</summary>
    public static OutboxState? Read(string directory, out string? error)
    {
        error = null;
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            error = $"outbox state unreadable: {e.Message}";
            return null;
        }
        var state = Parse(data, out error);
        return state;
    }

    internal static OutboxState? Parse(ReadOnlySpan<byte> data, out string? error)
    {
        error = "outbox state is damaged";
        if (data.Length < 32 || !data[..8].SequenceEqual(Magic)) return null;
        var body = data[..^4];
        if (Crc32C.Compute(body) != BinaryPrimitives.ReadUInt32LittleEndian(data[^4..])) return null;
        var ack = new OutboxPosition(BinaryPrimitives.ReadInt64LittleEndian(body[8..]), BinaryPrimitives.ReadInt64LittleEndian(body[16..]));
        int count = BinaryPrimitives.ReadInt32LittleEndian(body[24..]);
        if (ack.Segment < 0 || ack.Offset < 0 || count is < 0 or > 1024) return null;
        var sequences = new Dictionary<string, ulong>();
        int pos = 28;
        for (int i = 0; i < count; i++)
        {
            if (pos >= body.Length) return null;
            int length = body[pos++];
            if (pos + length + 8 > body.Length) return null;
            var stream = Encoding.ASCII.GetString(body.Slice(pos, length));
            if (!SegmentFormat.IsValidStreamName(stream)) return null;
            pos += length;
            sequences[stream] = BinaryPrimitives.ReadUInt64LittleEndian(body[pos..]);
            pos += 8;
        }
        if (pos != body.Length) return null;
        error = null;
        return new OutboxState(ack, sequences);
    }
}
