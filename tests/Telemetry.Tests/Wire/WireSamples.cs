using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Tests.Wire;

/// <summary>One filled-in example of each contract message (the same ones docs/mqtt-contract.md shows).</summary>
internal static class WireSamples
{
    public static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    public static Header Header(ulong seq = 42) => new()
    {
        SchemaVersion = Contract.SchemaVersion, DeviceId = "cam-07", Seq = seq, Time = Timestamp.FromDateTimeOffset(Now),
    };

    public static EngineInfo Engine => new()
    {
        ModelId = "resnet18", ModelVersion = "3", EngineId = "9f2c", Precision = Precision.Int8, Backend = "cuda",
    };

    public static EdgeAgent.Telemetry.Wire.Telemetry Telemetry() => new()
    {
        Header = Header(),
        Engine = Engine,
        WindowMs = 10_000,
        Stages = { new StageLatency { Stage = Stage.Inference, Count = 300, P50Ms = 2.1, P90Ms = 2.4, P99Ms = 3.9, MaxMs = 5.2, MeanMs = 2.2 } },
        Pipeline = new PipelineCounters { Fps = 30, Frames = 300, FramesDropped = 2, QueueDepth = 1 },
        Process = new ProcessStats { CpuPercent = 35.5, RssBytes = 180_000_000 },
        Gpu = new GpuStats { Source = "nvml", Name = "NVIDIA H100", UtilizationPercent = 41, TemperatureC = 52 },
        Distributions = { new DistributionDrift { Name = "output_confidence", Psi = 0.03, Samples = 300 } },
    };

    public static Command Deploy() => new()
    {
        CommandId = "c-1",
        SchemaVersion = 1,
        IssuedAt = Timestamp.FromDateTimeOffset(Now),
        Deploy = new Deploy
        {
            ModelId = "resnet18",
            Version = "4",
            Kind = ArtifactKind.Onnx,
            Url = new UrlSource { Url = "https://models.example.com/resnet18-4.onnx" },
            Sha256 = new string('a', 64),
            Signature = ByteString.CopyFrom(1, 2, 3),
            SignatureKeyId = "fleet-2026",
            Precision = new PrecisionPolicy
            {
                Precision = Precision.Int8,
                Calibration = new CalibrationPolicy { Source = CalibrationPolicy.Types.Source.RecentFrames, Frames = 256 },
            },
            Validation = new ValidationPolicy
            {
                MinCosine = 0.98, MinTop1Agreement = 0.97, ValidationFrames = 200,
                Probation = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)), MaxLatencyRatio = 1.2, AutoRollback = true,
            },
        },
    };

    public static Command Chunk(uint index, byte[] data) => new()
    {
        CommandId = $"c-1-{index}",
        Chunk = new ArtifactChunk { DeployCommandId = "c-1", Index = index, Data = ByteString.CopyFrom(data), Crc32C = Crc32C.Compute(data) },
    };
}
