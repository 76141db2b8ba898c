using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace EdgeAgent.Telemetry.Outbox;

/// <summary>Called for each intact record; return false to stop after this one.</summary>
internal delegate bool RecordVisitor(string stream, ulong sequence, long timestamp, ReadOnlySpan<byte> payload, OutboxPosition end);

/// <summary>What a pass over segment bytes found besides records.</summary>
internal sealed class ReadCounters
{
    public long CorruptRegions;
    public long TornTails;
}

/// <summary>
/// Walks records in one segment file. Damage is skipped, not fatal: a bad record is counted
/// and the reader resynchronises on the next record magic, so one flipped bit costs one
/// record, not the segment.
/// </summary>
internal static class SegmentReader
{
    private const int ChunkBytes = 1024 * 1024;

    /// <summary>Returns the offset just after the last byte consumed.</summary>
    public static long Visit(SafeFileHandle file, long segment, long offset, long fileLength, bool isSealed, int maxBody,
        ReadCounters counters, RecordVisitor visitor)
    {
        int capacity = (int)Math.Min(Math.Max(ChunkBytes, maxBody + SegmentFormat.RecordHeaderBytes), Math.Max(fileLength - offset, 0));
        if (capacity == 0) return offset;
        var buffer = ArrayPool<byte>.Shared.Rent(capacity);
        bool inCorruptRegion = false;
        try
        {
            while (offset < fileLength)
            {
                int want = (int)Math.Min(capacity, fileLength - offset);
                int read = RandomAccess.Read(file, buffer.AsSpan(0, want), offset);
                if (read <= 0) break;
                var span = buffer.AsSpan(0, read);
                bool atEnd = offset + read >= fileLength;
                int pos = 0;
                bool stop = false;
                while (pos < read && !stop)
                {
                    var status = SegmentFormat.TryParseRecord(span[pos..], maxBody, out int length, out var stream,
                        out ulong sequence, out long timestamp, out var payload);
                    if (status == SegmentFormat.ParseStatus.Record)
                    {
                        inCorruptRegion = false;
                        pos += length;
                        stop = !visitor(stream, sequence, timestamp, payload, new OutboxPosition(segment, offset + pos));
                    }
                    else if (status == SegmentFormat.ParseStatus.Incomplete && !atEnd && pos > 0)
                    {
                        break; // refill the buffer starting at this record
                    }
                    else if (status == SegmentFormat.ParseStatus.Incomplete && atEnd)
                    {
                        // A record cut short by a crash mid-append. Only a sealed segment can end like this.
                        if (!isSealed) return offset + pos;
                        counters.TornTails++;
                        pos = read;
                    }
                    else
                    {
                        if (!inCorruptRegion) counters.CorruptRegions++;
                        inCorruptRegion = true;
                        int next = SegmentFormat.FindNextMagic(span, pos + 1);
                        // Keep the last bytes when no magic was found: one may straddle the chunk boundary.
                        pos = next >= 0 ? next : atEnd ? read : Math.Max(pos + 1, read - 3);
                    }
                }
                offset += pos;
                if (stop || pos == 0) break;
            }
            return offset;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
