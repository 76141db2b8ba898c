using EdgeAgent.Agent.Hosting;
using EdgeAgent.Agent.Pipeline;
using EdgeAgent.Agent.Store;
using EdgeAgent.Engine;
using EdgeAgent.Telemetry.Metrics;
using EdgeAgent.Telemetry.Wire;
using Microsoft.Extensions.Logging;

namespace EdgeAgent.Agent.Deployment;

/// <summary>Probation, rollback, rebuild, and what a (re)started agent does before it serves.</summary>
public sealed partial class DeploymentManager
{
    private string? _operatorRollback;

    /// <summary>Watches the new engine for the probation window; returns why it failed, or null to commit.</summary>
    private async Task<string?> ProbationAsync(Deploy deploy, LatencySummary? baseline, CancellationToken cancellationToken)
    {
        var v = deploy.Validation;
        var window = v?.Probation is { } d && d.ToTimeSpan() > TimeSpan.Zero ? d.ToTimeSpan() : TimeSpan.FromSeconds(_options.Deployment.ProbationSeconds);
        double ratio = v is { MaxLatencyRatio: > 0 } ? v.MaxLatencyRatio : _options.Deployment.MaxLatencyRatio;
        long errors = _state.Errors, drift = _state.DriftAlarms;
        Volatile.Write(ref _operatorRollback, null);
        var deadline = DateTimeOffset.UtcNow + window;
        while (true)
        {
            if (Volatile.Read(ref _operatorRollback) is { } asked) return asked;
            if (_state.Errors - errors is var failed and > 0) return $"{failed} frames failed on the new engine";
            if (_options.Deployment.RollbackOnDrift && _state.DriftAlarms > drift) return "a drift alarm was raised during probation";
            if (_state.Latency.Of(deploy.Version) is { } now && baseline is { Count: >= 10 } && now.Count >= _options.Deployment.MinProbationFrames)
            {
                double p99 = now.P99Micros / 1000, before = baseline.P99Micros / 1000;
                if (p99 > before * ratio && p99 - before > _options.Deployment.LatencySlackMs)
                    return $"p99 latency {p99:0.#} ms is {p99 / before:0.#}x the previous engine's {before:0.#} ms (limit {ratio:0.##}x)";
            }
            if (DateTimeOffset.UtcNow >= deadline) return null;
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RollBackDeploymentAsync(string id, Deploy deploy, string reason, CancellationToken cancellationToken)
    {
        _log.LogWarning("deploy {Id}: probation failed ({Reason}); rolling back", id, reason);
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        RollBackStore(deploy.ModelId, deploy.Version);
        ReloadActive();
        _journal.Move(id, DeploymentState.RolledBack, reason);
        EndFlight(id);
        Send(new Reply { CommandId = id, State = CommandState.RolledBack, Reason = reason });
        Event(Telemetry.Wire.Event.Types.Severity.Warning, "deployment", $"{deploy.ModelId} {deploy.Version} rolled back: {reason}");
    }

    /// <summary>Points the store back at the version before <paramref name="version"/>, if that one is active.</summary>
    private void RollBackStore(string modelId, string version)
    {
        if (_store.Active(modelId)?.Manifest.Version != version) return; // the pointer never moved
        if (_store.Previous(modelId) is null)
        {
            _log.LogError("{Model} {Version} must be rolled back but no previous version is stored; it stays active", modelId, version);
            return;
        }
        var back = _store.RollBack(modelId);
        _log.LogInformation("{Model}: active version is {Version} again", modelId, back.Manifest.Version);
    }

    /// <summary>
    /// After a swap: a lower-precision engine with its ONNX stored gets an fp32 CPU reference for
    /// shadow comparison (built in the background at low priority); anything else gets none.
    /// </summary>
    private void RefreshShadow()
    {
        var active = _store.Active(ModelId);
        bool wanted = active is not null && active.Manifest.Precision != "fp32" && _options.Telemetry.ShadowEveryNthFrame > 0
            && File.Exists(active.FilePath(EngineStore.ModelFile));
        if (!wanted)
        {
            _state.SetShadow(null);
            return;
        }
        string version = active!.Manifest.Version;
        if (_state.Shadow?.Version == version) return;
        var task = Task.Run(async () =>
        {
            try
            {
                var built = await LowPriority.RunAsync(() => Build(active.FilePath(EngineStore.ModelFile), EdgeAgent.Agent.Engines.EngineFactory.Cpu(1), null, _stopping),
                    "edgeagent-shadow", _stopping).ConfigureAwait(false);
                if (_store.Active(ModelId)?.Manifest.Version != version) return; // swapped again meanwhile
                _state.SetShadow(new Service.ShadowReference(version, built.Engine, _factory.Preprocess, _options.Model.Postprocess,
                    _options.Telemetry.ShadowEveryNthFrame, _options.Telemetry.ShadowBudget));
                _log.LogInformation("{Model} {Version}: fp32 shadow reference ready", ModelId, version);
            }
            catch (Exception e) when (e is DeploymentException or EngineUserException or IOException)
            {
                _log.LogWarning("{Model} {Version}: no shadow reference: {Error}", ModelId, version, e.Message);
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
        lock (_gate) _running.Add(task);
    }

    /// <summary>Swaps the store's active version into the live loop.</summary>
    private void ReloadActive()
    {
        if (_store.Active(ModelId) is not { } active) return;
        if (_state.Slot.Current is { } current && current.Version == active.Manifest.Version) return;
        _state.Slot.Swap(LoadStored(active));
        RefreshShadow();
    }

    private async Task RollbackCommandAsync(Command command, CancellationToken cancellationToken)
    {
        string id = command.CommandId;
        if (_ledger.Find(id) is { } recorded) { Send(recorded); return; }
        string reason = command.Rollback.Reason.Length > 0 ? $"operator: {command.Rollback.Reason}" : "operator rollback";
        string? inFlight;
        lock (_gate) inFlight = _inFlight;
        if (inFlight is not null && SafeFind(inFlight) is { State: DeploymentState.Probation })
        {
            Volatile.Write(ref _operatorRollback, reason); // the deployment's own task rolls back and reports it
            Finish(new Reply { CommandId = id, State = CommandState.RolledBack, Reason = reason });
            return;
        }
        string target = command.Rollback.ToVersion;
        if (target.Length > 0)
        {
            if (_store.Find(ModelId, target) is null) { Reject(id, $"version '{target}' of '{ModelId}' is not on this device"); return; }
            _store.Activate(ModelId, target);
        }
        else if (_store.Previous(ModelId) is null)
        {
            Reject(id, $"'{ModelId}' has no previous version to roll back to");
            return;
        }
        else
        {
            target = _store.RollBack(ModelId).Manifest.Version;
        }
        await LowPriority.RunAsync(() => { ReloadActive(); return 0; }, "edgeagent-load", cancellationToken).ConfigureAwait(false);
        _link.RefreshStatus();
        Event(Telemetry.Wire.Event.Types.Severity.Info, "deployment", $"{ModelId} rolled back to {target} ({reason})");
        Finish(new Reply { CommandId = id, State = CommandState.RolledBack, Reason = reason });
    }

    private void RebuildCommand(Command command)
    {
        string id = command.CommandId;
        if (_ledger.Find(id) is { } recorded) { Send(recorded); return; }
        if (_store.Active(ModelId) is not { } active) { Reject(id, $"'{ModelId}' has no active version to rebuild"); return; }
        if (!File.Exists(active.FilePath(EngineStore.ModelFile))) { Reject(id, $"{ModelId} {active.Manifest.Version} came as an engine; no ONNX is stored to rebuild from"); return; }
        Send(new Reply { CommandId = id, State = CommandState.Building, ProgressPercent = 0 });
        var task = Task.Run(async () =>
        {
            try
            {
                await RebuildAsync(active, command.Rebuild.Reason, _stopping).ConfigureAwait(false);
                Finish(new Reply { CommandId = id, State = CommandState.Completed });
            }
            catch (Exception e) when (e is DeploymentException or StoreException or EngineUserException or IOException)
            {
                Finish(new Reply { CommandId = id, State = CommandState.Failed, Reason = e.Message });
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
        lock (_gate) _running.Add(task);
    }

    /// <summary>Rebuilds a stored version's engine from its ONNX for this device, replaces it in the store and serves it.</summary>
    private async Task RebuildAsync(StoredVersion version, string reason, CancellationToken cancellationToken)
    {
        SetPhase("rebuilding");
        try
        {
            var backend = _factory.Backend(_factory.LiveThreads, version.Manifest.Precision);
            var built = await LowPriority.RunAsync(() => Build(version.FilePath(EngineStore.ModelFile), backend, null, cancellationToken, version.Manifest.Precision),
                "edgeagent-rebuild", cancellationToken).ConfigureAwait(false);
            var updated = _store.ReplaceEngine(version.Manifest.ModelId, version.Manifest.Version, built.File,
                m => m with { EngineSha256 = Sha256(built.File), Fingerprint = backend.Fingerprint.ToString() });
            if (_store.Active(ModelId)?.Manifest.Version == updated.Manifest.Version)
                _state.Slot.Swap(_factory.Load(ModelId, updated.Manifest.Version, updated.Manifest.EngineSha256[..16], built.Engine, built.Plan.Precision));
            else
                built.Engine.CreateContext(1).Dispose();
            Event(Telemetry.Wire.Event.Types.Severity.Info, "engine", $"{ModelId} {version.Manifest.Version} rebuilt for {backend.Fingerprint} ({Or(reason)})");
            _log.LogInformation("{Model} {Version} rebuilt on the {Backend} backend", ModelId, version.Manifest.Version, backend.Name);
        }
        finally
        {
            SetPhase("idle");
        }
    }

    /// <summary>
    /// Before serving: repair the store, roll back deployments that were activated but never
    /// committed, load the active engine (rebuilding it if this hardware is not what it was built
    /// for, or installing the configured model on first start), then resume transfers and builds.
    /// </summary>
    /// <param name="startup">Cancels the start itself (the host gave up starting).</param>
    /// <param name="stopping">Fires when the service stops; deployments and builds end at their next step.</param>
    public async Task StartAsync(CancellationToken startup, CancellationToken stopping)
    {
        _stopping = stopping;
        foreach (var action in _store.Recover()) _log.LogWarning("store recovery: {Action}", action);
        if (_ledger.Prune() is > 0 and var forgotten) _log.LogInformation("forgot the replies of {Count} old commands", forgotten);
        var (unfinished, damaged) = _journal.Unfinished();
        foreach (var problem in damaged) _log.LogError("deployment journal: {Problem}", problem);
        foreach (var record in unfinished.Where(r => r.State.OnRestart() == ResumeAction.RollBack))
        {
            string reason = $"agent restarted during {record.State.ToString().ToLowerInvariant()}; {record.Version} was never committed";
            RollBackStore(record.ModelId, record.Version);
            _journal.Move(record.CommandId, DeploymentState.RolledBack, reason);
            Send(new Reply { CommandId = record.CommandId, State = CommandState.RolledBack, Reason = reason });
            Event(Telemetry.Wire.Event.Types.Severity.Warning, "deployment", $"{record.ModelId} {record.Version} rolled back: {reason}");
            _log.LogWarning("deploy {Id}: {Reason}; rolled back", record.CommandId, reason);
            CleanUp(record.CommandId);
        }
        using var either = CancellationTokenSource.CreateLinkedTokenSource(startup, stopping);
        await LoadActiveAsync(either.Token).ConfigureAwait(false);
        foreach (var record in unfinished.Where(r => r.State.OnRestart() is ResumeAction.ResumeDownload or ResumeAction.RestartFromArtifact))
            Resume(record);
    }

    private void Resume(DeploymentRecord record)
    {
        string file = Path.Combine(TransferDir(record.CommandId), "command.pb");
        Deploy deploy;
        try
        {
            deploy = Command.Parser.ParseFrom(File.ReadAllBytes(file)).Deploy ?? throw new InvalidDataException("not a deploy");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or Google.Protobuf.InvalidProtocolBufferException)
        {
            _journal.Move(record.CommandId, DeploymentState.Failed, "the deploy command was lost in a restart; deploy again");
            Send(new Reply { CommandId = record.CommandId, State = CommandState.Failed, Reason = "the deploy command was lost in a restart; deploy again" });
            return;
        }
        lock (_gate) _inFlight = record.CommandId;
        bool chunked = deploy.SourceCase == Telemetry.Wire.Deploy.SourceOneofCase.Chunked && !File.Exists(Path.Combine(TransferDir(record.CommandId), ArtifactFile));
        if (chunked) OpenTransfer(record.CommandId, deploy);
        _log.LogInformation("deploy {Id}: resuming from {State}", record.CommandId, record.State);
        Start(record.CommandId, deploy, record.State);
        if (chunked) RequestMissing(record.CommandId);
    }

    private async Task LoadActiveAsync(CancellationToken cancellationToken)
    {
        var active = _store.Active(ModelId);
        if (active is null && _options.Model.Onnx is { Length: > 0 } onnx)
        {
            if (File.Exists(onnx)) active = await InstallConfiguredModelAsync(onnx, cancellationToken).ConfigureAwait(false);
            else _log.LogWarning("Model:Onnx '{Onnx}' does not exist; nothing to install until a deployment arrives", onnx);
        }
        if (active is null)
        {
            _log.LogWarning("no engine for {Model} yet: waiting for a deployment", ModelId);
            return;
        }
        var backend = _factory.Backend(_factory.LiveThreads, active.Manifest.Precision);
        byte[] file = await File.ReadAllBytesAsync(active.FilePath(EngineStore.EngineFile), cancellationToken).ConfigureAwait(false);
        if (_factory.Mismatch(file, $"{ModelId} {active.Manifest.Version}") is not { } mismatch)
        {
            _state.Slot.Swap(LoadStored(active));
            RefreshShadow();
            _log.LogInformation("serving {Model} {Version} on the {Backend} backend", ModelId, active.Manifest.Version, backend.Name);
            return;
        }
        string message = $"{ModelId} {active.Manifest.Version} was built for other hardware ({mismatch}); rebuilding it from the stored ONNX";
        _log.LogWarning("{Message}", message);
        if (!File.Exists(active.FilePath(EngineStore.ModelFile)))
        {
            Event(Telemetry.Wire.Event.Types.Severity.Error, "engine", $"{ModelId} {active.Manifest.Version} was built for other hardware ({mismatch}) and came without ONNX: deploy an engine for this device");
            return;
        }
        Event(Telemetry.Wire.Event.Types.Severity.Warning, "engine", message);
        if (backend.Name != "cpu")
        {
            // Serve from a quick CPU build while the real backend's engine is built at low priority.
            var cpu = await LowPriority.RunAsync(() => Build(active.FilePath(EngineStore.ModelFile), EdgeAgent.Agent.Engines.EngineFactory.Cpu(_factory.LiveThreads), null, cancellationToken),
                "edgeagent-cpu-fallback", cancellationToken).ConfigureAwait(false);
            _state.Slot.Swap(_factory.Load(ModelId, active.Manifest.Version, Sha256(cpu.File)[..16], cpu.Engine));
            Event(Telemetry.Wire.Event.Types.Severity.Info, "engine", $"serving {ModelId} {active.Manifest.Version} on the CPU while the {backend.Name} engine is rebuilt");
            var task = Task.Run(() => RebuildAsync(active, "hardware changed", _stopping), CancellationToken.None);
            lock (_gate) _running.Add(task);
            return;
        }
        await RebuildAsync(active, "hardware changed", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>First start: builds the configured ONNX model and makes it the active version.</summary>
    private async Task<StoredVersion> InstallConfiguredModelAsync(string onnx, CancellationToken cancellationToken)
    {
        string version = _options.Model.Version;
        string sha = ArtifactDownloader.Sha256Of(onnx);
        var stored = _store.Find(ModelId, version);
        if (stored is null)
        {
            _log.LogInformation("installing {Model} {Version} from {Onnx}", ModelId, version, onnx);
            var backend = _factory.Backend(_factory.LiveThreads);
            var built = await LowPriority.RunAsync(() => Build(onnx, backend, null, cancellationToken), "edgeagent-build", cancellationToken).ConfigureAwait(false);
            stored = Stage(new Deploy { ModelId = ModelId, Version = version, Sha256 = sha }, "onnx", built.File, onnx, built.Plan.Precision);
        }
        _store.Activate(ModelId, version);
        return stored;
    }
}
