namespace EdgeAgent.Telemetry.Outbox;

/// <summary>When appended records are forced from the page cache to the storage device.</summary>
public enum FsyncPolicy
{
    /// <summary>Leave it to the OS: survives process crashes, not power loss.</summary>
    Never = 0,

    /// <summary>At most every <see cref="OutboxOptions.FsyncInterval"/>: bounds what a power cut can lose.</summary>
    Interval = 1,

    /// <summary>After every record: nothing acknowledged to the producer is lost, at a large cost on SD cards.</summary>
    Always = 2,
}

public sealed record OutboxOptions
{
    public required string Directory { get; init; }

    /// <summary>Disk the outbox may use; beyond it the oldest segment is dropped and its records counted.</summary>
    public long MaxBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Records are dropped a segment at a time, so this is also the granularity of loss when full.</summary>
    public long SegmentBytes { get; init; } = 4L * 1024 * 1024;

    public FsyncPolicy Fsync { get; init; } = FsyncPolicy.Interval;
    public TimeSpan FsyncInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest single record; telemetry is a few hundred bytes, results with many boxes a few KB.</summary>
    public int MaxRecordBytes { get; init; } = 256 * 1024;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Directory)) errors.Add("outbox directory is empty");
        if (SegmentBytes < 4096) errors.Add($"outbox segment size {SegmentBytes} is below 4096 bytes");
        if (MaxBytes < 2 * SegmentBytes) errors.Add($"outbox max size {MaxBytes} must hold at least two segments of {SegmentBytes}");
        if (MaxRecordBytes < 64 || MaxRecordBytes > SegmentBytes - SegmentFormat.SegmentHeaderBytes - SegmentFormat.RecordOverheadBytes - 255)
            errors.Add($"outbox max record size {MaxRecordBytes} must be at least 64 and fit in a segment");
        if (Fsync == FsyncPolicy.Interval && FsyncInterval <= TimeSpan.Zero) errors.Add("outbox fsync interval must be positive");
        return errors;
    }
}
