using System.Text;
using EdgeAgent.Telemetry.Outbox;

namespace EdgeAgent.Telemetry.Tests.Outbox;

public sealed class DiskOutboxTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeagent-outbox-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private OutboxOptions Options(long segmentBytes = 64 * 1024, long maxBytes = 1024 * 1024) =>
        new() { Directory = _dir, SegmentBytes = segmentBytes, MaxBytes = maxBytes, MaxRecordBytes = 1024, Fsync = FsyncPolicy.Never };

    private static byte[] Payload(int i) => Encoding.UTF8.GetBytes($"record-{i:D6}");

    private static List<OutboxRecord> ReadAll(IOutbox outbox)
    {
        var all = new List<OutboxRecord>();
        while (outbox.Read(100) is { Count: > 0 } batch) all.AddRange(batch);
        return all;
    }

    [Fact]
    public void RecordsComeBackInOrderWithPerStreamSequenceNumbers()
    {
        using var outbox = DiskOutbox.Open(Options());
        for (int i = 0; i < 10; i++) outbox.Append(i % 2 == 0 ? "telemetry" : "events", Payload(i), 1000 + i);
        var records = ReadAll(outbox);
        Assert.Equal(10, records.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(Payload), records.Select(r => r.Payload));
        Assert.Equal([1UL, 2, 3, 4, 5], records.Where(r => r.Stream == "telemetry").Select(r => r.Sequence));
        Assert.Equal([1UL, 2, 3, 4, 5], records.Where(r => r.Stream == "events").Select(r => r.Sequence));
        Assert.Equal(1009, records[^1].TimestampUnixMs);
        Assert.Empty(outbox.Read(10));
    }

    [Fact]
    public void OnlyUnacknowledgedRecordsAreRedeliveredAfterReopenAndSequencesContinue()
    {
        using (var outbox = DiskOutbox.Open(Options(segmentBytes: 4096, maxBytes: 1024 * 1024)))
        {
            for (int i = 0; i < 600; i++) outbox.Append("telemetry", Payload(i), 0);
            var first = outbox.Read(250);
            outbox.Acknowledge(first[^1], first.Count);
            Assert.Equal(350, outbox.Stats.Pending);
        }
        using (var reopened = DiskOutbox.Open(Options(segmentBytes: 4096, maxBytes: 1024 * 1024)))
        {
            Assert.Equal(350, reopened.Stats.Pending);
            var rest = ReadAll(reopened);
            Assert.Equal(Enumerable.Range(250, 350).Select(Payload), rest.Select(r => r.Payload));
            reopened.Acknowledge(rest[^1], rest.Count);
            Assert.Equal(601UL, reopened.Append("telemetry", Payload(600), 0));
        }
        using (var again = DiskOutbox.Open(Options(segmentBytes: 4096, maxBytes: 1024 * 1024)))
        {
            // Every earlier segment was acknowledged and deleted; the state file still carries the sequence.
            Assert.Equal(Payload(600), Assert.Single(ReadAll(again)).Payload);
            Assert.Equal(602UL, again.Append("telemetry", Payload(601), 0));
        }
    }

    [Fact]
    public void RewindRedeliversWhatWasReadButNotAcknowledged()
    {
        using var outbox = DiskOutbox.Open(Options());
        for (int i = 0; i < 5; i++) outbox.Append("telemetry", Payload(i), 0);
        var batch = outbox.Read(5);
        outbox.Acknowledge(batch[1], 2);
        outbox.Rewind();
        Assert.Equal([3UL, 4, 5], outbox.Read(10).Select(r => r.Sequence));
    }

    [Fact]
    public void WhenFullTheOldestSegmentIsDroppedAndItsRecordsCountedPerStream()
    {
        using var outbox = DiskOutbox.Open(Options(segmentBytes: 4096, maxBytes: 16384));
        for (int i = 0; i < 2000; i++) outbox.Append(i % 4 == 0 ? "events" : "telemetry", Payload(i), 0);
        var stats = outbox.Stats;
        Assert.True(stats.Bytes <= 16384, $"outbox uses {stats.Bytes} bytes");
        Assert.True(stats.Dropped > 1000, $"only {stats.Dropped} dropped");
        Assert.Equal(2000, stats.Dropped + stats.Pending);
        var remaining = ReadAll(outbox);
        Assert.Equal(stats.Pending, remaining.Count);
        // What survives is the newest data, still in order, and each stream reports its own losses once.
        Assert.Equal(Payload(1999), remaining[^1].Payload);
        Assert.True(remaining.Zip(remaining.Skip(1)).All(p => string.CompareOrdinal(Encoding.UTF8.GetString(p.First.Payload), Encoding.UTF8.GetString(p.Second.Payload)) < 0));
        ulong droppedTelemetry = outbox.TakeDropped("telemetry"), droppedEvents = outbox.TakeDropped("events");
        Assert.Equal((ulong)stats.Dropped, droppedTelemetry + droppedEvents);
        Assert.Equal(remaining.First(r => r.Stream == "telemetry").Sequence - 1, droppedTelemetry);
        Assert.Equal(0UL, outbox.TakeDropped("telemetry"));
    }

    [Fact]
    public void ACorruptSegmentIsSkippedCountedAndTheRestDelivered()
    {
        WriteSegments(out var files);
        Assert.True(files.Length >= 3);
        var middle = files[1];
        var bytes = File.ReadAllBytes(middle);
        bytes[0] ^= 0xFF; // segment header
        File.WriteAllBytes(middle, bytes);

        using var outbox = DiskOutbox.Open(Options(segmentBytes: 4096));
        var records = ReadAll(outbox);
        Assert.Equal(1, outbox.Stats.CorruptSegments);
        Assert.NotEmpty(records);
        Assert.Equal(Payload(299), records[^1].Payload);
        Assert.True(records.Count < 300);
        Assert.Equal(records.Select(r => r.Sequence).Order(), records.Select(r => r.Sequence));
    }

    [Fact]
    public void ADamagedRecordCostsThatRecordOnlyAndIsCounted()
    {
        WriteSegments(out var files);
        var bytes = File.ReadAllBytes(files[0]);
        bytes[200] ^= 0x01; // inside some record's body: its CRC no longer matches
        File.WriteAllBytes(files[0], bytes);

        using var outbox = DiskOutbox.Open(Options(segmentBytes: 4096));
        var records = ReadAll(outbox);
        Assert.Equal(1, outbox.Stats.CorruptRecords);
        Assert.Equal(299, records.Count);
        Assert.Equal(Payload(299), records[^1].Payload);
    }

    [Fact]
    public void ATornTailFromACrashMidAppendIsCountedAndSkipped()
    {
        WriteSegments(out var files);
        var last = files[^1];
        using (var stream = new FileStream(last, FileMode.Open)) stream.SetLength(stream.Length - 5);

        using var outbox = DiskOutbox.Open(Options(segmentBytes: 4096));
        var records = ReadAll(outbox);
        Assert.Equal(1, outbox.Stats.TornTails);
        Assert.Equal(299, records.Count);
        Assert.Equal(Payload(298), records[^1].Payload);
        Assert.Equal(301UL, outbox.Append("telemetry", Payload(300), 0)); // the torn record's number is not reused
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(33)]
    public void GarbageFilesAndADamagedStateFileDoNotStopTheOutbox(int garbageLength)
    {
        WriteSegments(out _);
        File.WriteAllBytes(Path.Combine(_dir, "0000000000000099.seg"), RandomBytes(garbageLength + 16));
        File.WriteAllBytes(Path.Combine(_dir, "not-a-segment.seg"), RandomBytes(64));
        File.WriteAllBytes(Path.Combine(_dir, OutboxStateFile.FileName), RandomBytes(garbageLength));

        using var outbox = DiskOutbox.Open(Options(segmentBytes: 4096));
        Assert.Equal(1, outbox.Stats.CorruptSegments);
        Assert.Equal(garbageLength == 0 ? 1 : 1, outbox.Stats.StateErrors);
        Assert.Equal(300, ReadAll(outbox).Count); // state lost: everything is redelivered rather than lost
    }

    [Fact]
    public void RandomSegmentContentNeverThrows()
    {
        var random = new Random(3);
        for (int round = 0; round < 30; round++)
        {
            foreach (var f in Directory.GetFiles(_dir)) File.Delete(f);
            var bytes = new byte[random.Next(16, 5000)];
            random.NextBytes(bytes);
            "EAOUTBX1"u8.CopyTo(bytes);
            BitConverter.GetBytes(1L).CopyTo(bytes, 8);
            // Sprinkle valid-looking magics so the resync path is exercised.
            for (int i = 0; i < 10; i++) BitConverter.GetBytes(0x52424F45u).CopyTo(bytes, random.Next(16, bytes.Length - 4));
            File.WriteAllBytes(Path.Combine(_dir, "0000000000000001.seg"), bytes);
            using var outbox = DiskOutbox.Open(Options(segmentBytes: 8192));
            _ = ReadAll(outbox);
            Assert.True(outbox.Stats.CorruptRecords + outbox.Stats.TornTails >= 1);
        }
    }

    [Fact]
    public void InvalidOptionsAndInputsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => DiskOutbox.Open(Options() with { SegmentBytes = 100 }));
        Assert.Throws<ArgumentException>(() => DiskOutbox.Open(Options() with { MaxBytes = 70_000 }));
        Assert.Throws<ArgumentException>(() => DiskOutbox.Open(Options() with { Directory = "" }));
        using var outbox = DiskOutbox.Open(Options());
        Assert.Throws<ArgumentException>(() => outbox.Append("bad/stream", [1], 0));
        Assert.Throws<ArgumentException>(() => outbox.Append("", [1], 0));
        Assert.Throws<ArgumentException>(() => outbox.Append("telemetry", new byte[2000], 0));
    }

    [Fact]
    public void StateFileParserRejectsTruncationsOfAValidFile()
    {
        OutboxStateFile.Write(_dir, new OutboxState(new OutboxPosition(3, 100), new Dictionary<string, ulong> { ["telemetry"] = 9 }));
        var valid = File.ReadAllBytes(Path.Combine(_dir, OutboxStateFile.FileName));
        Assert.NotNull(OutboxStateFile.Parse(valid, out _));
        for (int length = 0; length < valid.Length; length++)
            Assert.Null(OutboxStateFile.Parse(valid.AsSpan(0, length), out _));
        for (int i = 0; i < valid.Length; i++)
        {
            var flipped = (byte[])valid.Clone();
            flipped[i] ^= 0x40;
            Assert.Null(OutboxStateFile.Parse(flipped, out _));
        }
    }

    private void WriteSegments(out string[] files)
    {
        using (var outbox = DiskOutbox.Open(Options(segmentBytes: 4096)))
            for (int i = 0; i < 300; i++) outbox.Append("telemetry", Payload(i), 0);
        files = Directory.GetFiles(_dir, "*.seg").Order(StringComparer.Ordinal).ToArray();
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }
}
