namespace EdgeAgent.Telemetry.Wire;

/// <summary>
/// Checks a decoded command for the things the agent would otherwise trip over later
/// (missing ids, bad hashes, impossible chunk indices), so it can be rejected at once with a reason.
/// </summary>
public static class CommandValidator
{
    public const int MaxCommandIdLength = 128;
    public const int MaxChunkBytes = 1024 * 1024;

    public static string? Validate(Command command, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(command.CommandId)) return "command_id is empty";
        if (command.CommandId.Length > MaxCommandIdLength) return $"command_id is longer than {MaxCommandIdLength} characters";
        if (command.SchemaVersion > Contract.SchemaVersion)
            return $"schema_version {command.SchemaVersion} is newer than this device understands ({Contract.SchemaVersion})";
        if (command.ExpiresAt is { } expires && expires.ToDateTimeOffset() < now) return "command expired before it arrived";
        return command.BodyCase switch
        {
            Command.BodyOneofCase.None => "command has no body (deploy, rollback, rebuild, get_status, set_config, ping or chunk)",
            Command.BodyOneofCase.Deploy => ValidateDeploy(command.Deploy),
            Command.BodyOneofCase.Chunk => ValidateChunk(command.Chunk),
            Command.BodyOneofCase.SetConfig => command.SetConfig.Values.Count == 0 ? "set_config has no values" : null,
            Command.BodyOneofCase.Rebuild => command.Rebuild.Precision is { } p ? ValidatePrecision(p) : null,
            _ => null,
        };
    }

    private static string? ValidateDeploy(Deploy deploy)
    {
        if (string.IsNullOrWhiteSpace(deploy.ModelId)) return "deploy.model_id is empty";
        if (string.IsNullOrWhiteSpace(deploy.Version)) return "deploy.version is empty";
        if (deploy.Kind == ArtifactKind.Unspecified) return "deploy.kind must be ARTIFACT_KIND_ENGINE or ARTIFACT_KIND_ONNX";
        if (!IsSha256Hex(deploy.Sha256)) return "deploy.sha256 must be 64 lowercase hex characters";
        if (deploy.Signature.IsEmpty) return "deploy.signature is empty; unsigned artifacts are not installed";
        switch (deploy.SourceCase)
        {
            case Deploy.SourceOneofCase.None:
                return "deploy has no source (chunked or url)";
            case Deploy.SourceOneofCase.Url:
                if (!Uri.TryCreate(deploy.Url.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http" or "file"))
                    return $"deploy.url '{deploy.Url.Url}' is not an http(s) or file URL";
                break;
            case Deploy.SourceOneofCase.Chunked:
                var c = deploy.Chunked;
                if (c.TotalBytes == 0 || c.ChunkCount == 0 || c.ChunkSize == 0) return "deploy.chunked needs total_bytes, chunk_count and chunk_size";
                if (c.ChunkSize > MaxChunkBytes) return $"deploy.chunked.chunk_size exceeds {MaxChunkBytes} bytes";
                if ((ulong)c.ChunkCount * c.ChunkSize < c.TotalBytes || (ulong)(c.ChunkCount - 1) * c.ChunkSize >= c.TotalBytes)
                    return "deploy.chunked chunk_count and chunk_size do not match total_bytes";
                break;
        }
        if (deploy.Precision is { } precision && ValidatePrecision(precision) is { } problem) return problem;
        if (deploy.Validation is { } v)
        {
            if (v.MinCosine is < -1 or > 1 || double.IsNaN(v.MinCosine)) return "validation.min_cosine must be within [-1, 1]";
            if (v.MinTop1Agreement is < 0 or > 1 || double.IsNaN(v.MinTop1Agreement)) return "validation.min_top1_agreement must be within [0, 1]";
            if (v.MaxLatencyRatio < 0 || double.IsNaN(v.MaxLatencyRatio)) return "validation.max_latency_ratio must not be negative";
            if (v.Probation is { } d && (d.Seconds < 0 || d.Nanos < 0)) return "validation.probation must not be negative";
        }
        return null;
    }

    private static string? ValidatePrecision(PrecisionPolicy policy)
    {
        if (policy.Calibration is { Source: CalibrationPolicy.Types.Source.DatasetUrl } cal &&
            !Uri.TryCreate(cal.DatasetUrl, UriKind.Absolute, out _))
            return "calibration.dataset_url is not a URL";
        if (policy.Precision == Precision.Int8 && policy.Calibration is null)
            return "INT8 precision needs a calibration policy";
        return null;
    }

    private static string? ValidateChunk(ArtifactChunk chunk)
    {
        if (string.IsNullOrWhiteSpace(chunk.DeployCommandId)) return "chunk.deploy_command_id is empty";
        if (chunk.Data.IsEmpty) return "chunk.data is empty";
        if (chunk.Data.Length > MaxChunkBytes) return $"chunk.data exceeds {MaxChunkBytes} bytes";
        if (Crc32C.Compute(chunk.Data.Span) != chunk.Crc32C) return $"chunk {chunk.Index} fails its CRC-32C check";
        return null;
    }

    public static bool IsSha256Hex(string text)
    {
        if (text.Length != 64) return false;
        foreach (var c in text)
            if (!char.IsAsciiHexDigitLower(c)) return false;
        return true;
    }
}
