using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAgent.Agent.Store;

/// <summary>What a stored model version is: its artifact, identity and how it was built and validated.</summary>
public sealed record VersionManifest
{
    public required string ModelId { get; init; }
    public required string Version { get; init; }
    /// <summary>"engine" when an engine file arrived, "onnx" when the device built the engine itself.</summary>
    public required string ArtifactKind { get; init; }
    public required string ArtifactSha256 { get; init; }
    public string EngineSha256 { get; init; } = "";
    public string Precision { get; init; } = "fp32";
    public string Fingerprint { get; init; } = "";
    public string PreprocessJson { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Parses a manifest; a clear <see cref="StoreException"/> for anything malformed.</summary>
    public static VersionManifest Parse(string json, string where)
    {
        try
        {
            return JsonSerializer.Deserialize<VersionManifest>(json, Options)
                ?? throw new StoreException($"manifest {where} is empty");
        }
        catch (JsonException e)
        {
            throw new StoreException($"manifest {where} is not valid: {e.Message}");
        }
    }
}

/// <summary>The engine store is missing, damaged, or asked for something it does not hold.</summary>
public sealed class StoreException(string message) : Exception(message);
