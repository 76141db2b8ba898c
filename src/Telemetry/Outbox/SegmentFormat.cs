using System.Buffers.Binary;
using System.Text;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Outbox;

/// <summary>
/// On-disk layout, little-endian. A segment starts with "EAOUTBX1" and its id (u64); then records:
/// magic u32, body length u32, CRC-32C of the body u32, body = version u8, stream name length u8,
/// stream name (ASCII), sequence u64, timestamp ms i64, payload. The magic lets a reader find the
/// next record after a damaged one instead of losing the rest of the segment.
/// </summary>
internal static class SegmentFormat
{
    public const int SegmentHeaderBytes = 16;
    public const int RecordHeaderBytes = 12;
    public const int RecordOverheadBytes = RecordHeaderBytes + 2 + 16;
    public const uint RecordMagic = 0x5242_4F45; // "EOBR"
    public const byte RecordVersion = 1;
    public const string FileExtension = ".seg";
    private static ReadOnlySpan<byte> SegmentMagic => "EAOUTBX1"u8;

    public static string FileName(long segment) => $"{segment:D16}{FileExtension}";

    public static bool TryParseFileName(string path, out long segment)
    {
        var name = Path.GetFileName(path);
        segment = 0;
        return name.EndsWith(FileExtension, StringComparison.Ordinal) &&
               long.TryParse(name.AsSpan(0, name.Length - FileExtension.Length), out segment) && segment >= 0;
    }

    public static void WriteSegmentHeader(Span<byte> destination, long segment)
    {
        SegmentMagic.CopyTo(destination);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], segment);
    }

    public static bool IsValidSegmentHeader(ReadOnlySpan<byte> header, long expectedSegment) =>
        header.Length >= SegmentHeaderBytes && header[..8].SequenceEqual(SegmentMagic) &&
        BinaryPrimitives.ReadInt64LittleEndian(header[8..]) == expectedSegment;

    public static int RecordLength(string stream, int payloadLength) => RecordOverheadBytes + stream.Length + payloadLength;

    public static int WriteRecord(Span<byte> destination, string stream, ulong sequence, long timestamp, ReadOnlySpan<byte> payload)
    {
        int bodyLength = 2 + stream.Length + 16 + payload.Length;
        var body = destination.Slice(RecordHeaderBytes, bodyLength);
        body[0] = RecordVersion;
        body[1] = (byte)stream.Length;
        Encoding.ASCII.GetBytes(stream, body.Slice(2, stream.Length));
        BinaryPrimitives.WriteUInt64LittleEndian(body[(2 + stream.Length)..], sequence);
        BinaryPrimitives.WriteInt64LittleEndian(body[(10 + stream.Length)..], timestamp);
        payload.CopyTo(body[(18 + stream.Length)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, RecordMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)bodyLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Crc32C.Compute(body));
        return RecordHeaderBytes + bodyLength;
    }

    public static bool IsValidStreamName(string stream)
    {
        if (stream.Length is 0 or > 32) return false;
        foreach (var c in stream)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) return false;
        return true;
    }

    /// <summary>Outcome of looking at the bytes at one offset.</summary>
    public enum ParseStatus
    {
        Record,
        /// <summary>The bytes so far are a plausible start; more are needed.</summary>
        Incomplete,
        Corrupt,
    }

    public static ParseStatus TryParseRecord(ReadOnlySpan<byte> data, int maxBody, out int length, out string stream,
        out ulong sequence, out long timestamp, out ReadOnlySpan<byte> payload)
    {
        length = 0;
        stream = "";
        sequence = 0;
        timestamp = 0;
        payload = default;
        if (data.Length < RecordHeaderBytes)
            return data.Length < 4 || BinaryPrimitives.ReadUInt32LittleEndian(data) == RecordMagic ? ParseStatus.Incomplete : ParseStatus.Corrupt;
        if (BinaryPrimitives.ReadUInt32LittleEndian(data) != RecordMagic) return ParseStatus.Corrupt;
        uint bodyLength = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        if (bodyLength < 18 || bodyLength > maxBody) return ParseStatus.Corrupt;
        if (data.Length < RecordHeaderBytes + bodyLength) return ParseStatus.Incomplete;
        var body = data.Slice(RecordHeaderBytes, (int)bodyLength);
        if (Crc32C.Compute(body) != BinaryPrimitives.ReadUInt32LittleEndian(data[8..])) return ParseStatus.Corrupt;
        int nameLength = body[1];
        if (body[0] != RecordVersion || 18 + nameLength > body.Length) return ParseStatus.Corrupt;
        stream = Encoding.ASCII.GetString(body.Slice(2, nameLength));
        if (!IsValidStreamName(stream)) return ParseStatus.Corrupt;
        sequence = BinaryPrimitives.ReadUInt64LittleEndian(body[(2 + nameLength)..]);
        timestamp = BinaryPrimitives.ReadInt64LittleEndian(body[(10 + nameLength)..]);
        payload = body[(18 + nameLength)..];
        length = RecordHeaderBytes + (int)bodyLength;
        return ParseStatus.Record;
    }

    /// <summary>Next offset after <paramref name="from"/> where a record magic appears, or -1.</summary>
    public static int FindNextMagic(ReadOnlySpan<byte> data, int from)
    {
        Span<byte> magic = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(magic, RecordMagic);
        if (from >= data.Length) return -1;
        int index = data[from..].IndexOf(magic);
        return index < 0 ? -1 : from + index;
    }
}
