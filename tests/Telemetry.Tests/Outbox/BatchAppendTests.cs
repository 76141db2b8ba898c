using System.Text;
using EdgeAgent.Telemetry.Outbox;

namespace EdgeAgent.Telemetry.Tests.Outbox;

/// <summary>Appending many records with one write: same order, numbering and crash behaviour as single appends.</summary>
public sealed class BatchAppendTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeagent-batch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private OutboxOptions Options(long segmentBytes = 64 * 1024, long maxBytes = 1024 * 1024) =>
        new() { Directory = _dir, SegmentBytes = segmentBytes, MaxBytes = maxBytes, MaxRecordBytes = 1024, Fsync = FsyncPolicy.Never };

    private static byte[] Payload(int i) => Encoding.UTF8.GetBytes($"record-{i:D6}");

    private static OutboxEntry[] Entries(int from, int count, Func<int, string>? stream = null) =>
        Enumerable.Range(from, count).Select(i => new OutboxEntry(stream?.Invoke(i) ?? "telemetry", Payload(i), 1000 + i)).ToArray();

    private static ulong[] AppendBatch(IOutbox outbox, OutboxEntry[] entries)
    {
        var sequences = new ulong[entries.Length];
        outbox.Append(entries, sequences);
        return sequences;
    }

    private static List<OutboxRecord> ReadAll(IOutbox outbox)
    {
        var all = new List<OutboxRecord>();
        while (outbox.Read(100) is { Count: > 0 } batch) all.AddRange(batch);
        return all;
    }

    [Fact]
    public void ABatchContinuesEachStreamsNumberingAndReadsBackInOrder()
    {
        using var outbox = DiskOutbox.Open(Options());
        outbox.Append("telemetry", Payload(0), 1000);
        var sequences = AppendBatch(outbox, Entries(1, 10, i => i % 2 == 0 ? "telemetry" : "events"));
        Assert.Equal([1UL, 2, 2, 3, 3, 4, 4, 5, 5, 6], sequences);
        Assert.Equal(7UL, outbox.Append("telemetry", Payload(11), 1011));

        var records = ReadAll(outbox);
        Assert.Equal(Enumerable.Range(0, 12).Select(Payload), records.Select(r => r.Payload));
        Assert.Equal([1UL, 2, 3, 4, 5, 6, 7], records.Where(r => r.Stream == "telemetry").Select(r => r.Sequence));
        Assert.Equal([1UL, 2, 3, 4, 5], records.Where(r => r.Stream == "events").Select(r => r.Sequence));
        Assert.Equal(1010, records[10].TimestampUnixMs);
        Assert.Equal(12, outbox.Stats.Appended);
        Assert.Equal(12, outbox.Stats.Pending);
    }

    [Fact]
    public void ABatchLargerThanASegmentIsSplitAtSegmentBoundaries()
    {
        using (var outbox = DiskOutbox.Open(Options(segmentBytes: 4096)))
        {
            var sequences = AppendBatch(outbox, Entries(0, 500));
            Assert.Equal(Enumerable.Range(1, 500).Select(i => (ulong)i), sequences);
            Assert.True(outbox.Stats.Segments > 5, $"{outbox.Stats.Segments} segments");
        }
        foreach (var file in Directory.GetFiles(_dir, "*.seg")) Assert.True(new FileInfo(file).Length <= 4096);
        using var reopened = DiskOutbox.Open(Options(segmentBytes: 4096));
        var records = ReadAll(reopened);
        Assert.Equal(Enumerable.Range(0, 500).Select(Payload), records.Select(r => r.Payload));
        Assert.Equal(0, reopened.Stats.TornTails + reopened.Stats.CorruptRecords);
    }

    [Fact]
    public void ABatchThatOverflowsTheOutboxDropsTheOldestAndCountsThem()
    {
        using var outbox = DiskOutbox.Open(Options(segmentBytes: 4096, maxBytes: 16384));
        AppendBatch(outbox, Entries(0, 2000, i => i % 4 == 0 ? "events" : "telemetry"));
        var stats = outbox.Stats;
        Assert.True(stats.Bytes <= 16384, $"outbox uses {stats.Bytes} bytes");
        Assert.Equal(2000, stats.Dropped + stats.Pending);
        var remaining = ReadAll(outbox);
        Assert.Equal(Payload(1999), remaining[^1].Payload);
        Assert.Equal(remaining.First(r => r.Stream == "telemetry").Sequence - 1, outbox.TakeDropped("telemetry"));
    }

    [Fact]
    public void AnInvalidEntryRejectsTheWholeBatchBeforeAnythingIsWritten()
    {
        using var outbox = DiskOutbox.Open(Options());
        var entries = Entries(0, 5);
        entries[3] = entries[3] with { Stream = "bad/stream" };
        Assert.Throws<ArgumentException>(() => AppendBatch(outbox, entries));
        entries[3] = entries[3] with { Stream = "telemetry", Payload = new byte[2000] };
        Assert.Throws<ArgumentException>(() => AppendBatch(outbox, entries));
        Assert.Throws<ArgumentException>(() => outbox.Append(entries, new ulong[2]));
        Assert.Equal(0, outbox.Stats.Appended);
        Assert.Equal(1UL, outbox.Append("telemetry", Payload(0), 0)); // no number was used up
        AppendBatch(outbox, []);
        Assert.Equal(1, outbox.Stats.Appended);
    }

    [Fact]
    public void ABatchTornMidWriteByACrashKeepsTheCompleteRecordsBeforeTheTear()
    {
        using (var outbox = DiskOutbox.Open(Options()))
        {
            for (int i = 0; i < 10; i++) outbox.Append("telemetry", Payload(i), 0);
            AppendBatch(outbox, Entries(10, 50));
        }
        // The whole batch went out in one write; a crash part-way through leaves a prefix of it,
        // here ending in the middle of record 30.
        var segment = Assert.Single(Directory.GetFiles(_dir, "*.seg"));
        long recordBytes = (new FileInfo(segment).Length - 16) / 60;
        using (var stream = new FileStream(segment, FileMode.Open)) stream.SetLength(16 + 30 * recordBytes + recordBytes / 2);

        using var reopened = DiskOutbox.Open(Options());
        Assert.Equal(30, reopened.Stats.Pending);
        var records = ReadAll(reopened);
        Assert.Equal(Enumerable.Range(0, 30).Select(Payload), records.Select(r => r.Payload));
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (ulong)i), records.Select(r => r.Sequence));
        Assert.Equal(1, reopened.Stats.TornTails);
        Assert.Equal(0, reopened.Stats.CorruptRecords);
        // The state file saw the whole batch: numbers of the lost records are not reused, so the gap is visible.
        Assert.Equal(61UL, reopened.Append("telemetry", Payload(60), 0));
    }

    [Fact]
    public void APageOfABatchThatNeverReachedTheDiskCostsOnlyTheRecordsItHeld()
    {
        using (var outbox = DiskOutbox.Open(Options()))
            AppendBatch(outbox, Entries(0, 100));
        // Power loss can persist later pages of a write and not an earlier one: a hole of zeros inside the batch.
        var segment = Assert.Single(Directory.GetFiles(_dir, "*.seg"));
        var bytes = File.ReadAllBytes(segment);
        long recordBytes = (bytes.Length - 16) / 100;
        Array.Clear(bytes, (int)(16 + 40 * recordBytes + 3), (int)(2 * recordBytes));
        File.WriteAllBytes(segment, bytes);

        using var reopened = DiskOutbox.Open(Options());
        var records = ReadAll(reopened);
        var expected = Enumerable.Range(0, 100).Where(i => i is < 40 or > 42).Select(Payload);
        Assert.Equal(expected, records.Select(r => r.Payload));
        Assert.Equal(1, reopened.Stats.CorruptRecords);
    }
}
