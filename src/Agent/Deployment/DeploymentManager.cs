using System.Security.Cryptography;
using EdgeAgent.Agent.Engines;
using EdgeAgent.Agent.Hosting;
using EdgeAgent.Agent.Service;
using EdgeAgent.Agent.Store;
using EdgeAgent.Engine;
using EdgeAgent.Telemetry.Link;
using EdgeAgent.Telemetry.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace EdgeAgent.Agent.Deployment;

/// <summary>
/// Carries out fleet commands. Deploys run one at a time through the persisted state machine
/// (<see cref="DeploymentJournal"/>): download (URL or chunks) → verify → [build] → validate →
/// activate (atomic swap) → probation → commit, or roll back / fail with a reason, replying at
/// every step. Commands are idempotent by id: a repeated one is answered with its recorded
/// state. This file is the intake; the lifecycle and start-up recovery are in the other parts.
/// </summary>
public sealed partial class DeploymentManager : IDisposable
{
    private const int MaxMissingPerRequest = 1000;
    private readonly AgentOptions _options;
    private readonly RuntimeSettings _settings;
    private readonly EngineStore _store;
    private readonly DeploymentJournal _journal;
    private readonly CommandLedger _ledger;
    private readonly EngineFactory _factory;
    private readonly ServingState _state;
    private readonly DeviceLink _link;
    private readonly ArtifactDownloader _downloader;
    private readonly ILogger _log;
    private readonly string _transfers;
    private readonly ECDsa? _fleetKey;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ChunkTransfer> _chunked = new(StringComparer.Ordinal);
    private readonly List<Task> _running = [];
    private string? _inFlight;
    private CancellationToken _stopping;

    public DeploymentManager(AgentOptions options, RuntimeSettings settings, EngineStore store, DeploymentJournal journal, CommandLedger ledger,
        EngineFactory factory, ServingState state, DeviceLink link, ArtifactDownloader downloader, ILogger<DeploymentManager> log)
    {
        _options = options;
        _settings = settings;
        _store = store;
        _journal = journal;
        _ledger = ledger;
        _factory = factory;
        _state = state;
        _link = link;
        _downloader = downloader;
        _log = log;
        _transfers = Path.Combine(options.StateDirectory, "transfers");
        Directory.CreateDirectory(_transfers);
        if (options.Deployment.FleetPublicKey is { Length: > 0 } key) _fleetKey = Engine.Format.SigningKeys.Load(key);
    }

    private string ModelId => _options.Model.Id;
    private string TransferDir(string commandId) => Path.Combine(_transfers, commandId);

    /// <summary>Handles one command from the link; never throws for anything the sender did.</summary>
    public async Task HandleAsync(Command command, CancellationToken cancellationToken)
    {
        try
        {
            switch (command.BodyCase)
            {
                case Command.BodyOneofCase.Deploy: DeployCommand(command); break;
                case Command.BodyOneofCase.Chunk: Chunk(command); break;
                case Command.BodyOneofCase.Ping:
                    Send(new Reply { CommandId = command.CommandId, State = CommandState.Completed, Pong = new Pong { Nonce = command.Ping.Nonce } });
                    break;
                case Command.BodyOneofCase.GetStatus:
                    Send(new Reply { CommandId = command.CommandId, State = CommandState.Completed, Status = DescribeStatus() });
                    break;
                case Command.BodyOneofCase.SetConfig: SetConfig(command); break;
                case Command.BodyOneofCase.Rollback: await RollbackCommandAsync(command, cancellationToken).ConfigureAwait(false); break;
                case Command.BodyOneofCase.Rebuild: RebuildCommand(command); break;
                default: Reject(command.CommandId, "unknown command body"); break;
            }
        }
        catch (Exception e) when (e is DeploymentException or StoreException or IOException or EngineUserException)
        {
            Finish(new Reply { CommandId = command.CommandId, State = CommandState.Failed, Reason = e.Message });
        }
    }

    private void DeployCommand(Command command)
    {
        var deploy = command.Deploy;
        string id = command.CommandId;
        if (AnswerRepeat(id)) return;
        if (deploy.ModelId != ModelId) { Reject(id, $"this device serves model '{ModelId}', not '{deploy.ModelId}'"); return; }
        if (_fleetKey is not null)
        {
            if (_options.Deployment.FleetKeyId is { Length: > 0 } keyId && deploy.SignatureKeyId.Length > 0 && deploy.SignatureKeyId != keyId)
            {
                Reject(id, $"artifact is signed with key '{deploy.SignatureKeyId}'; this device trusts '{keyId}'");
                return;
            }
            if (!ArtifactSignature.Verify(_fleetKey, deploy.Sha256, deploy.Signature.Span))
            {
                Reject(id, "artifact signature does not verify against the fleet key; refusing to install it");
                return;
            }
        }
        else
        {
            _log.LogWarning("deploy {Id}: no fleet key configured (Deployment:FleetPublicKey), so the signature is not checked", id);
        }
        if (_store.Active(deploy.ModelId) is { } active && active.Manifest.Version == deploy.Version)
        {
            if (active.Manifest.ArtifactSha256 == deploy.Sha256) Finish(new Reply { CommandId = id, State = CommandState.Committed, Reason = $"{deploy.Version} is already active" });
            else Reject(id, $"version '{deploy.Version}' is active with different content; deploy under a new version");
            return;
        }
        if (deploy.Kind == ArtifactKind.Engine && deploy.Precision is not null && deploy.Precision.Precision is not (Precision.Unspecified or Precision.Fp32))
            _log.LogInformation("deploy {Id}: precision policy ignored for an engine artifact", id);
        lock (_gate)
        {
            if (_inFlight is { } other)
            {
                // Not recorded: the same command may be sent again once the other one ended.
                Send(new Reply { CommandId = id, State = CommandState.Rejected, Reason = $"deployment '{other}' is still in progress; send this one after it ends" });
                return;
            }
            _inFlight = id;
        }
        try
        {
            Directory.CreateDirectory(TransferDir(id));
            DurableFile.WriteAllBytes(Path.Combine(TransferDir(id), "command.pb"), command.ToByteArray());
            _journal.Begin(new DeploymentRecord { CommandId = id, ModelId = deploy.ModelId, Version = deploy.Version, ArtifactSha256 = deploy.Sha256 });
            if (deploy.SourceCase == Telemetry.Wire.Deploy.SourceOneofCase.Chunked) OpenTransfer(id, deploy);
        }
        catch
        {
            lock (_gate) _inFlight = null;
            throw;
        }
        Send(new Reply { CommandId = id, State = CommandState.Accepted });
        _log.LogInformation("deploy {Id}: {Model} {Version} ({Kind}) accepted", id, deploy.ModelId, deploy.Version, deploy.Kind);
        Start(id, deploy, DeploymentState.Accepted);
    }

    /// <summary>A command id seen before: answer with what it became instead of running it again.</summary>
    private bool AnswerRepeat(string id)
    {
        if (_ledger.Find(id) is { } recorded)
        {
            Send(recorded);
            return true;
        }
        DeploymentRecord? record;
        try
        {
            record = _journal.Find(id);
        }
        catch (DeploymentException)
        {
            return false; // an id the journal cannot name a file after was never journaled
        }
        if (record is null) return false;
        if (record.State.IsFinal()) Send(new Reply { CommandId = id, State = ReplyState(record.State), Reason = record.Reason });
        else if (ChunkTransferOf(id) is not null) RequestMissing(id);
        else Send(new Reply { CommandId = id, State = ReplyState(record.State) });
        return true;
    }

    private void OpenTransfer(string id, Deploy deploy)
    {
        var c = deploy.Chunked;
        var assembler = new ChunkAssembler(TransferDir(id), "artifact", (long)c.TotalBytes, (int)c.ChunkCount, (int)c.ChunkSize, deploy.Sha256);
        lock (_gate) _chunked[id] = new ChunkTransfer(assembler);
    }

    private ChunkTransfer? ChunkTransferOf(string id)
    {
        lock (_gate) return _chunked.GetValueOrDefault(id);
    }

    private void Chunk(Command command)
    {
        var chunk = command.Chunk;
        var transfer = ChunkTransferOf(chunk.DeployCommandId);
        if (transfer is null)
        {
            var record = SafeFind(chunk.DeployCommandId);
            if (record is null) { Reject(command.CommandId, $"chunk for unknown deploy '{chunk.DeployCommandId}'"); return; }
            // The transfer already finished (a late duplicate): acknowledge so the sender stops resending.
            Send(new Reply { CommandId = command.CommandId, State = CommandState.Completed, ChunkAck = new ChunkAck { Index = chunk.Index } });
            return;
        }
        var (result, received, decile) = transfer.Accept(chunk.Index, chunk.Data.Span, chunk.Crc32C);
        if (result is ChunkResult.BadIndex or ChunkResult.BadLength or ChunkResult.BadChecksum)
        {
            Reject(command.CommandId, $"chunk {chunk.Index} of deploy '{chunk.DeployCommandId}' refused: {result}");
            return;
        }
        Send(new Reply
        {
            CommandId = command.CommandId, State = CommandState.Completed,
            ChunkAck = new ChunkAck { Index = chunk.Index, Received = (uint)received, Total = (uint)transfer.Total },
        });
        if (decile is { } d) Send(new Reply { CommandId = chunk.DeployCommandId, State = CommandState.Downloading, ProgressPercent = (uint)(d * 10) });
    }

    private DeploymentRecord? SafeFind(string id)
    {
        try
        {
            return _journal.Find(id);
        }
        catch (DeploymentException)
        {
            return null;
        }
    }

    /// <summary>Tells the fleet which chunks of a transfer are still missing.</summary>
    private void RequestMissing(string id)
    {
        var transfer = ChunkTransferOf(id);
        if (transfer is null) return;
        var (received, missing) = transfer.State(MaxMissingPerRequest);
        if (missing.Count == 0) return;
        var request = new ChunkRequest { Received = (uint)received, Total = (uint)transfer.Total };
        request.Missing.AddRange(missing.Select(i => (uint)i));
        Send(new Reply { CommandId = id, State = CommandState.Downloading, ProgressPercent = (uint)transfer.Percent, ChunkRequest = request });
        _log.LogInformation("deploy {Id}: asked for {Missing} missing chunks ({Received}/{Total} received)", id, missing.Count, received, transfer.Total);
    }

    /// <summary>After the broker connection came back: a transfer in progress may have lost chunks on the way.</summary>
    public void OnReconnected()
    {
        List<string> ids;
        lock (_gate) ids = _chunked.Keys.ToList();
        foreach (var id in ids) RequestMissing(id);
    }

    private void SetConfig(Command command)
    {
        if (_ledger.Find(command.CommandId) is { } recorded) { Send(recorded); return; }
        if (_settings.Apply(command.SetConfig.Values) is { } problem) { Reject(command.CommandId, problem); return; }
        _log.LogInformation("configuration changed: {Values}", string.Join(", ", command.SetConfig.Values.Select(kv => $"{kv.Key}={kv.Value}")));
        Finish(new Reply { CommandId = command.CommandId, State = CommandState.Completed });
    }

    public Status DescribeStatus() => new()
    {
        State = Status.Types.State.Online, // answering at all means online
        PayloadFormat = _options.Mqtt.PayloadFormat,
        Engine = _state.CurrentEngineInfo(),
        Hardware = new HardwareInfo
        {
            Os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            Architecture = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
            CpuCores = (uint)Environment.ProcessorCount,
            MemoryBytes = (ulong)Math.Max(0, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes),
        },
        StartedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(_state.StartedAt),
        DeploymentState = _state.DeploymentState,
        AgentVersion = AgentVersion,
    };

    public static string AgentVersion => typeof(DeploymentManager).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private void Reject(string id, string reason)
    {
        _log.LogWarning("command {Id} rejected: {Reason}", id, reason);
        Finish(new Reply { CommandId = id, State = CommandState.Rejected, Reason = reason });
    }

    /// <summary>Sends a final reply and records it, so a repeat of the command gets the same answer.</summary>
    private void Finish(Reply reply)
    {
        if (reply.CommandId.Length > 0) _ledger.Record(reply);
        Send(reply);
    }

    private void Send(Reply reply) => _link.Enqueue(reply);

    /// <summary>The deployment phase shown in status (and so in <c>fleet watch</c>), republished when it changes.</summary>
    private void SetPhase(string phase)
    {
        if (_state.DeploymentState == phase) return;
        _state.DeploymentState = phase;
        _link.RefreshStatus();
    }

    private void Event(Event.Types.Severity severity, string kind, string message)
    {
        _link.Enqueue(new Event { Severity = severity, Kind = kind, Message = message, Engine = _state.CurrentEngineInfo() });
    }

    internal static CommandState ReplyState(DeploymentState state) => state switch
    {
        DeploymentState.Accepted => CommandState.Accepted,
        DeploymentState.Downloading => CommandState.Downloading,
        DeploymentState.Building => CommandState.Building,
        DeploymentState.Validating or DeploymentState.Activating => CommandState.Validating,
        DeploymentState.Probation => CommandState.Activated,
        DeploymentState.Committed => CommandState.Committed,
        DeploymentState.RolledBack => CommandState.RolledBack,
        _ => CommandState.Failed,
    };

    /// <summary>Waits for deployments to reach a point where stopping is safe (each stops at its next step).</summary>
    public async Task StopAsync()
    {
        Task[] running;
        lock (_gate) running = _running.ToArray();
        try
        {
            await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var t in _chunked.Values) t.Dispose();
            _chunked.Clear();
        }
        _fleetKey?.Dispose();
    }
}
