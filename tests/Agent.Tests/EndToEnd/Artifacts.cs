using System.Security.Cryptography;
using EdgeAgent.Agent.Deployment;
using EdgeAgent.Agent.Tests.Cli;
using EdgeAgent.Engine.Onnx.Proto;
using EdgeAgent.Telemetry.Wire;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace EdgeAgent.Agent.Tests.EndToEnd;

/// <summary>Deploy commands as a fleet would send them: artifacts, sha256, signatures, chunks.</summary>
public static class Artifacts
{
    public const string ModelId = "cls";

    /// <summary>The real PP-OCR direction classifier (a small, trained model).</summary>
    public static string ClsModel => CliRunner.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx");

    /// <summary>The same model with a metadata entry added (e.g. the per-layer delay that makes a deliberately slow engine).</summary>
    public static byte[] WithMetadata(string onnxPath, string key, string value)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnxPath));
        model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model.ToByteArray();
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    public static Command Deploy(string commandId, string version, ArtifactKind kind, byte[] artifact, ECDsa? key, string? url = null,
        int chunkSize = 0, ValidationPolicy? validation = null, string? sha256 = null)
    {
        string sha = sha256 ?? Sha256(artifact);
        var deploy = new Deploy
        {
            ModelId = ModelId, Version = version, Kind = kind, Sha256 = sha,
            Signature = ByteString.CopyFrom(key is null ? new byte[64] : ArtifactSignature.Sign(key, sha)),
            SignatureKeyId = "fleet-test",
            Validation = validation ?? new ValidationPolicy { Probation = Duration.FromTimeSpan(TimeSpan.FromSeconds(3)), AutoRollback = true, MaxLatencyRatio = 2 },
        };
        if (url is not null) deploy.Url = new UrlSource { Url = url };
        else
        {
            int count = (artifact.Length + chunkSize - 1) / chunkSize;
            deploy.Chunked = new ChunkedSource { TotalBytes = (ulong)artifact.Length, ChunkCount = (uint)count, ChunkSize = (uint)chunkSize };
        }
        return new Command { CommandId = commandId, SchemaVersion = 1, Deploy = deploy };
    }

    public static Command Chunk(string deployId, byte[] artifact, int chunkSize, int index)
    {
        var data = artifact.AsSpan(index * chunkSize, Math.Min(chunkSize, artifact.Length - index * chunkSize));
        return new Command
        {
            CommandId = $"{deployId}-c{index}",
            Chunk = new ArtifactChunk { DeployCommandId = deployId, Index = (uint)index, Data = ByteString.CopyFrom(data), Crc32C = Crc32C.Compute(data) },
        };
    }

    /// <summary>Writes the artifact into <paramref name="directory"/> and returns its file:// URL.</summary>
    public static string FileUrl(string directory, string name, byte[] artifact)
    {
        string path = Path.Combine(directory, name);
        File.WriteAllBytes(path, artifact);
        return new Uri(path).AbsoluteUri;
    }
}
