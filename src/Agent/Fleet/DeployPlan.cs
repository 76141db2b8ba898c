using EdgeAgent.Telemetry.Wire;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace EdgeAgent.Agent.Fleet;

/// <summary>Everything one deploy sends: the device, the artifact and how the device gets it.</summary>
public sealed record DeployPlan
{
    public required string DeviceId { get; init; }
    public required string CommandId { get; init; }
    public required string ModelId { get; init; }
    public required string Version { get; init; }
    public required Artifact Artifact { get; init; }
    public required byte[] Signature { get; init; }
    public required string SignatureKeyId { get; init; }

    /// <summary>When set the device downloads the artifact itself; otherwise it is sent in chunks.</summary>
    public string? Url { get; init; }

    /// <summary>For ONNX artifacts: the precision the device builds its engine at (unset: the device's default).</summary>
    public Precision Precision { get; init; }

    /// <summary>The device refuses the command after this instant (a deploy queued while it was offline for days).</summary>
    public TimeSpan ExpiresAfter { get; init; } = TimeSpan.FromHours(1);

    public bool Chunked => Url is null;

    public Command DeployCommand(DateTimeOffset now)
    {
        var deploy = new Deploy
        {
            ModelId = ModelId,
            Version = Version,
            Kind = Artifact.Kind,
            Sha256 = Artifact.Sha256Hex,
            Signature = ByteString.CopyFrom(Signature),
            SignatureKeyId = SignatureKeyId,
        };
        if (Url is not null) deploy.Url = new UrlSource { Url = Url };
        else deploy.Chunked = new ChunkedSource
        {
            TotalBytes = (ulong)Artifact.Length,
            ChunkCount = (uint)Artifact.ChunkCount,
            ChunkSize = (uint)Artifact.ChunkSize,
        };
        if (Artifact.Kind == ArtifactKind.Onnx && Precision != Precision.Unspecified)
        {
            deploy.Precision = new PrecisionPolicy { Precision = Precision, AllowFallback = true };
            // INT8 needs calibration data; frames the device sees are the most representative it has.
            if (Precision == Precision.Int8)
                deploy.Precision.Calibration = new CalibrationPolicy { Source = CalibrationPolicy.Types.Source.RecentFrames, Frames = 256 };
        }
        return new Command
        {
            CommandId = CommandId,
            SchemaVersion = Contract.SchemaVersion,
            IssuedAt = Timestamp.FromDateTimeOffset(now),
            ExpiresAt = Timestamp.FromDateTimeOffset(now + ExpiresAfter),
            Deploy = deploy,
        };
    }

    /// <summary>
    /// One chunk. Every send gets its own command id (<c>{deploy}-c{index}-{attempt}</c>): a device
    /// treats command ids as idempotency keys, and a chunk sent again because the device lost it
    /// must not be answered from that cache instead of being stored.
    /// </summary>
    public Command ChunkCommand(int index, int attempt)
    {
        var data = Artifact.ReadChunk(index);
        return new Command
        {
            CommandId = ChunkCommandId(index, attempt),
            SchemaVersion = Contract.SchemaVersion,
            Chunk = new ArtifactChunk
            {
                DeployCommandId = CommandId,
                Index = (uint)index,
                Data = ByteString.CopyFrom(data),
                Crc32C = Crc32C.Compute(data),
            },
        };
    }

    public string ChunkCommandId(int index, int attempt) => $"{CommandId}-c{index}-{attempt}";

    public bool IsChunkReply(string commandId) =>
        commandId.Length > CommandId.Length + 2 && commandId.StartsWith(CommandId, StringComparison.Ordinal) &&
        commandId.AsSpan(CommandId.Length).StartsWith("-c");
}
