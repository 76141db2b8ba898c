using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeAgent.Agent.Store;

namespace EdgeAgent.Agent.Deployment;

/// <summary>One deployment as the journal keeps it: the command that started it and how far it got.</summary>
public sealed record DeploymentRecord
{
    public required string CommandId { get; init; }
    public required string ModelId { get; init; }
    public required string Version { get; init; }
    public required string ArtifactSha256 { get; init; }
    public DeploymentState State { get; init; } = DeploymentState.Accepted;
    public string Reason { get; init; } = "";
    /// <summary>The version that was active when this one was activated (what a rollback returns to).</summary>
    public string PreviousVersion { get; init; } = "";
    public DateTimeOffset UpdatedAt { get; init; } = DateTimeOffset.UtcNow;
    public DateTimeOffset? ProbationStartedAt { get; init; }
}

/// <summary>
/// Persists every deployment's state, one durable JSON file per command id, written before the
/// agent acts on the new state. Commands are idempotent by id: a repeated Deploy finds its
/// record. After a crash, <see cref="Unfinished"/> lists what to resume or roll back.
/// </summary>
public sealed class DeploymentJournal
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };
    private readonly string _directory;

    public DeploymentJournal(string directory)
    {
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
    }

    private string PathOf(string commandId)
    {
        if (commandId.Length is 0 or > 128 || commandId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || commandId.StartsWith('.'))
            throw new DeploymentException($"command id '{commandId}' may use only letters, digits, '-', '_' and '.' (1 to 128 characters)");
        return Path.Combine(_directory, commandId + ".json");
    }

    public DeploymentRecord? Find(string commandId)
    {
        string path = PathOf(commandId);
        return File.Exists(path) ? Parse(File.ReadAllText(path), path) : null;
    }

    /// <summary>Starts a record; a second start of the same command id returns the existing one.</summary>
    public DeploymentRecord Begin(DeploymentRecord record)
    {
        if (Find(record.CommandId) is { } existing) return existing;
        DurableFile.WriteAllText(PathOf(record.CommandId), JsonSerializer.Serialize(record with { State = DeploymentState.Accepted }, Options));
        return Find(record.CommandId)!;
    }

    /// <summary>Moves a deployment to <paramref name="state"/> (checked against the state machine) and persists it.</summary>
    public DeploymentRecord Move(string commandId, DeploymentState state, string reason = "", string? previousVersion = null)
    {
        var current = Find(commandId) ?? throw new DeploymentException($"no deployment '{commandId}' in the journal");
        if (!DeploymentStates.CanMove(current.State, state))
            throw new DeploymentException($"deployment '{commandId}' cannot go from {current.State} to {state}");
        var next = current with
        {
            State = state,
            Reason = reason,
            UpdatedAt = DateTimeOffset.UtcNow,
            PreviousVersion = previousVersion ?? current.PreviousVersion,
            ProbationStartedAt = state == DeploymentState.Probation ? DateTimeOffset.UtcNow : current.ProbationStartedAt,
        };
        DurableFile.WriteAllText(PathOf(commandId), JsonSerializer.Serialize(next, Options));
        return next;
    }

    /// <summary>Deployments not in a final state, oldest first; unreadable records are reported, not fatal.</summary>
    public (IReadOnlyList<DeploymentRecord> Records, IReadOnlyList<string> Damaged) Unfinished()
    {
        var records = new List<DeploymentRecord>();
        var damaged = new List<string>();
        foreach (var file in Directory.EnumerateFiles(_directory, "*.json"))
        {
            try
            {
                var record = Parse(File.ReadAllText(file), file);
                if (!record.State.IsFinal()) records.Add(record);
            }
            catch (DeploymentException e) { damaged.Add(e.Message); }
        }
        return (records.OrderBy(r => r.UpdatedAt).ToList(), damaged);
    }

    private static DeploymentRecord Parse(string json, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<DeploymentRecord>(json, Options) ?? throw new DeploymentException($"deployment record {path} is empty");
        }
        catch (JsonException e)
        {
            throw new DeploymentException($"deployment record {path} is not valid: {e.Message}");
        }
    }
}
