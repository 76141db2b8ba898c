using EdgeAgent.Agent.Engines;
using EdgeAgent.Agent.Hosting;
using EdgeAgent.Agent.Pipeline;
using EdgeAgent.Agent.Service;
using EdgeAgent.Agent.Store;
using EdgeAgent.Engine;
using EdgeAgent.Engine.Build;
using EdgeAgent.Telemetry.Wire;
using Microsoft.Extensions.Logging;

namespace EdgeAgent.Agent.Deployment;

/// <summary>One deployment's way through the state machine, resumable from any persisted state.</summary>
public sealed partial class DeploymentManager
{
    private const string ArtifactFile = "artifact";

    private void Start(string id, Deploy deploy, DeploymentState from)
    {
        var task = Task.Run(() => RunAsync(id, deploy, from, _stopping), CancellationToken.None);
        lock (_gate)
        {
            _running.RemoveAll(t => t.IsCompleted);
            _running.Add(task);
        }
    }

    private async Task RunAsync(string id, Deploy deploy, DeploymentState from, CancellationToken cancellationToken)
    {
        LoadedEngine? candidate = null;
        try
        {
            string artifact = Path.Combine(TransferDir(id), ArtifactFile);
            if (from is DeploymentState.Accepted or DeploymentState.Downloading)
            {
                Move(id, DeploymentState.Downloading, from);
                SetPhase("downloading");
                await DownloadAsync(id, deploy, artifact, cancellationToken).ConfigureAwait(false);
            }
            if (!File.Exists(artifact) && _store.Find(deploy.ModelId, deploy.Version) is null)
                throw new DeploymentException("the downloaded artifact is gone; deploy again");
            var stored = await InstallAsync(id, deploy, artifact, from, cancellationToken).ConfigureAwait(false);

            Move(id, DeploymentState.Validating, CurrentState(id));
            SetPhase("validating");
            Send(new Reply { CommandId = id, State = CommandState.Validating });
            await HoldAsync(DeploymentState.Validating, cancellationToken).ConfigureAwait(false);
            candidate = await LowPriority.RunAsync(() => LoadStored(stored), "edgeagent-validate", cancellationToken).ConfigureAwait(false);
            var rules = Rules(deploy);
            var current = _state.Slot.Current;
            var frames = _state.Golden.Snapshot(rules.Frames);
            var loaded = candidate;
            var outcome = await LowPriority.RunAsync(
                () => EngineValidator.Validate(loaded, current?.Engine, _factory.Preprocess, frames, rules, cancellationToken),
                "edgeagent-validate", cancellationToken).ConfigureAwait(false);
            if (!outcome.Passed) throw new DeploymentException($"validation failed: {outcome.Reason}");
            _log.LogInformation("deploy {Id}: validated on {Frames} frames (p99 {P99:0.##} ms{Cosine})", id, outcome.Frames, outcome.P99Ms,
                outcome.MinCosine is { } c ? $", min cosine {c:0.####}" : "");

            // Activation: journal first, so a crash from here on is rolled back at the next start.
            string previous = _store.Active(deploy.ModelId)?.Manifest.Version ?? "";
            var baseline = current is null ? null : _state.Latency.Of(current.Version);
            _journal.Move(id, DeploymentState.Activating, previousVersion: previous);
            _store.Activate(deploy.ModelId, deploy.Version);
            await HoldAsync(DeploymentState.Activating, cancellationToken).ConfigureAwait(false);
            _state.Slot.Swap(candidate); // between two frames: the live loop never waits for this
            candidate = null;
            RefreshShadow();
            _journal.Move(id, DeploymentState.Probation);
            SetPhase("probation");
            Send(new Reply { CommandId = id, State = CommandState.Activated });
            Event(Telemetry.Wire.Event.Types.Severity.Info, "deployment", $"{deploy.ModelId} {deploy.Version} activated (previous {Or(previous)}); on probation");
            _log.LogInformation("deploy {Id}: {Version} serving, on probation", id, deploy.Version);

            var verdict = await ProbationAsync(deploy, baseline, cancellationToken).ConfigureAwait(false);
            if (verdict is null || !AutoRollback(deploy))
            {
                _journal.Move(id, DeploymentState.Committed, verdict is null ? "" : $"probation failed ({verdict}) but auto_rollback is off");
                EndFlight(id);
                Send(new Reply { CommandId = id, State = CommandState.Committed, Reason = verdict ?? "" });
                Event(Telemetry.Wire.Event.Types.Severity.Info, "deployment", $"{deploy.ModelId} {deploy.Version} committed");
                _log.LogInformation("deploy {Id}: committed", id);
                Prune(deploy.ModelId);
            }
            else
            {
                await RollBackDeploymentAsync(id, deploy, verdict, cancellationToken).ConfigureAwait(false);
            }
            CleanUp(id);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the journal says where this deployment is; the next start resumes or rolls it back.
            candidate?.Dispose();
        }
        catch (Exception e) when (e is DeploymentException or StoreException or EngineUserException or IOException or InvalidDataException
                                      or UnauthorizedAccessException or ArgumentException)
        {
            candidate?.Dispose();
            Fail(id, deploy, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug, not the artifact's fault: still end the deployment cleanly rather than leave it hanging.
            _log.LogError(e, "deploy {Id}: unexpected failure", id);
            candidate?.Dispose();
            Fail(id, deploy, $"internal error: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            EndFlight(id);
            if (!cancellationToken.IsCancellationRequested) SetPhase("idle");
        }
    }

    /// <summary>
    /// The deployment no longer blocks another one. Called before its final reply goes out: a fleet
    /// that sends the next deploy the moment it reads "committed" must not be told this one is still running.
    /// </summary>
    private void EndFlight(string id)
    {
        lock (_gate)
        {
            if (_inFlight == id) _inFlight = null;
            if (_chunked.Remove(id, out var transfer)) transfer.Dispose();
        }
    }

    private DeploymentState CurrentState(string id) => _journal.Find(id)?.State ?? DeploymentState.Accepted;

    private void Move(string id, DeploymentState to, DeploymentState from)
    {
        if (from != to) _journal.Move(id, to);
    }

    private static string Or(string version) => version.Length == 0 ? "none" : version;

    private async Task DownloadAsync(string id, Deploy deploy, string artifact, CancellationToken cancellationToken)
    {
        if (File.Exists(artifact) && ArtifactDownloader.Sha256Of(artifact) == deploy.Sha256) return;
        if (deploy.SourceCase == Telemetry.Wire.Deploy.SourceOneofCase.Url)
        {
            Send(new Reply { CommandId = id, State = CommandState.Downloading, ProgressPercent = 0 });
            await _downloader.DownloadAsync(deploy.Url.Url, artifact, deploy.Sha256,
                p => Send(new Reply { CommandId = id, State = CommandState.Downloading, ProgressPercent = (uint)p }), cancellationToken).ConfigureAwait(false);
            return;
        }
        var transfer = ChunkTransferOf(id) ?? throw new DeploymentException("chunked transfer state is missing");
        var stall = TimeSpan.FromSeconds(_options.Deployment.ChunkStallSeconds);
        while (!transfer.Completed.IsCompleted)
        {
            await Task.WhenAny(transfer.Completed, Task.Delay(stall / 2, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (!transfer.Completed.IsCompleted && transfer.SinceLastChunk >= stall) RequestMissing(id);
        }
        string part;
        try
        {
            part = transfer.Finish();
        }
        catch (DeploymentException)
        {
            transfer.Discard();
            throw;
        }
        File.Move(part, artifact, overwrite: true);
        DurableFile.SyncDirectory(TransferDir(id));
        Send(new Reply { CommandId = id, State = CommandState.Downloading, ProgressPercent = 100 });
    }

    /// <summary>Puts the version into the store: an engine as it came, or one built here from ONNX (in the background, at low priority).</summary>
    private async Task<StoredVersion> InstallAsync(string id, Deploy deploy, string artifact, DeploymentState from, CancellationToken cancellationToken)
    {
        if (_store.Find(deploy.ModelId, deploy.Version) is { } existing)
        {
            if (existing.Manifest.ArtifactSha256 == deploy.Sha256) return existing; // staged before a restart
            throw new DeploymentException($"model '{deploy.ModelId}' already has a different version '{deploy.Version}' on this device; deploy under a new version");
        }
        if (ArtifactDownloader.Sha256Of(artifact) != deploy.Sha256) throw new DeploymentException("artifact changed on disk since it was verified");
        if (deploy.Kind == ArtifactKind.Onnx)
        {
            Move(id, DeploymentState.Building, from is DeploymentState.Building ? from : CurrentState(id));
            SetPhase("building");
            Send(new Reply { CommandId = id, State = CommandState.Building, ProgressPercent = 0 });
            await HoldAsync(DeploymentState.Building, cancellationToken).ConfigureAwait(false);
            var progress = new BuildReplies(id, this);
            var calibration = CalibrationFrames(deploy.Precision);
            var built = await LowPriority.RunAsync(() => BuildForPolicy(id, artifact, deploy.Precision, calibration, progress, cancellationToken),
                "edgeagent-build", cancellationToken).ConfigureAwait(false);
            Send(new Reply { CommandId = id, State = CommandState.Building, ProgressPercent = 100 });
            return Stage(deploy, "onnx", built.File, artifact, built.Plan.Precision);
        }
        byte[] file = await File.ReadAllBytesAsync(artifact, cancellationToken).ConfigureAwait(false);
        if (_factory.Mismatch(file, $"engine {deploy.Version}") is { } mismatch)
            throw new DeploymentException($"artifact is not an engine for this device: {mismatch}");
        return Stage(deploy, "engine", file, null, Engine.Format.EngineSerializer.Read(file, "engine").Precision);
    }

    /// <summary>Builds at the deploy's precision; with allow_fallback, a precision this backend cannot build falls back to fp32.</summary>
    private BuiltEngine BuildForPolicy(string id, string onnx, PrecisionPolicy? policy, IReadOnlyList<float[]> calibration,
        IProgress<BuildProgress>? progress, CancellationToken cancellationToken)
    {
        string precision = policy?.Precision switch { Precision.Fp16 => "fp16", Precision.Int8 => "int8", _ => "fp32" };
        try
        {
            return Build(onnx, _factory.Backend(_factory.LiveThreads, precision), progress, cancellationToken, precision, calibration);
        }
        catch (EngineUserException e) when (precision != "fp32" && policy!.AllowFallback)
        {
            _log.LogWarning("deploy {Id}: {Precision} build failed ({Error}); building fp32 as allow_fallback permits", id, precision, e.Message);
            return Build(onnx, _factory.Backend(_factory.LiveThreads), progress, cancellationToken);
        }
    }

    /// <summary>
    /// INT8 scales from what this camera sees: the recent golden frames, pre-processed as the live
    /// loop does. A bundled cache is a QDQ model's own scales; a dataset URL is not fetched yet.
    /// </summary>
    private IReadOnlyList<float[]> CalibrationFrames(PrecisionPolicy? policy)
    {
        if (policy is not { Precision: Precision.Int8 } || policy.Calibration is not { } calibration) return [];
        if (calibration.Source == CalibrationPolicy.Types.Source.DatasetUrl)
            throw new DeploymentException("calibration from a dataset URL is not supported by this agent; use recent frames or a QDQ model");
        if (calibration.Source != CalibrationPolicy.Types.Source.RecentFrames) return [];
        var frames = _state.Golden.Snapshot(calibration.Frames > 0 ? (int)calibration.Frames : GoldenFrames.Capacity);
        if (frames.Count == 0) throw new DeploymentException("no camera frames yet to calibrate INT8 with; try again once the camera streams");
        var pre = new Camera.Processing.Pre.Preprocessor(_factory.Preprocess);
        return frames.Select(f =>
        {
            var input = new float[_factory.Preprocess.TensorLength];
            pre.Run(f.Pixels, f.Geometry, input);
            return input;
        }).ToList();
    }

    private BuiltEngine Build(string onnx, Engine.Runtime.IBackend backend, IProgress<BuildProgress>? progress, CancellationToken cancellationToken,
        string precision = "fp32", IReadOnlyList<float[]>? calibration = null)
    {
        try
        {
            return _factory.Build(onnx, backend, _options.Engine.Autotune, progress, cancellationToken, precision, calibration);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new DeploymentException($"artifact is not a valid ONNX model: {e.Message}");
        }
    }

    private StoredVersion Stage(Deploy deploy, string kind, byte[] engine, string? onnx, string precision)
    {
        var manifest = new VersionManifest
        {
            ModelId = deploy.ModelId, Version = deploy.Version, ArtifactKind = kind, ArtifactSha256 = deploy.Sha256,
            EngineSha256 = Sha256(engine), Precision = precision, Fingerprint = Engine.Format.EngineSerializer.Read(engine, "staged engine").Fingerprint.ToString(),
            PreprocessJson = _factory.Preprocess.ToJson(),
        };
        return _store.Stage(manifest, dir =>
        {
            File.WriteAllBytes(Path.Combine(dir, EngineStore.EngineFile), engine);
            if (onnx is not null) File.Copy(onnx, Path.Combine(dir, EngineStore.ModelFile));
        });
    }

    internal static string Sha256(byte[] bytes) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)).ToLowerInvariant();

    /// <summary>Opens a stored version's engine for the live loop (compiled, with its own context).</summary>
    private LoadedEngine LoadStored(StoredVersion version)
    {
        byte[] file = File.ReadAllBytes(version.FilePath(EngineStore.EngineFile));
        try
        {
            var (plan, engine) = _factory.Open(file, $"{version.Manifest.ModelId} {version.Manifest.Version}");
            return _factory.Load(version.Manifest.ModelId, version.Manifest.Version, Sha256(file)[..16], engine, plan.Precision);
        }
        catch (Engine.Format.EngineFormatException e)
        {
            throw new DeploymentException($"engine of {version.Manifest.ModelId} {version.Manifest.Version} cannot be loaded: {e.Message}");
        }
    }

    private ValidationRules Rules(Deploy deploy)
    {
        var v = deploy.Validation;
        int frames = v is { ValidationFrames: > 0 } ? (int)Math.Min(v.ValidationFrames, GoldenFrames.Capacity) : _options.Deployment.ValidationFrames;
        return new ValidationRules(Math.Min(frames, GoldenFrames.Capacity), v?.MinCosine ?? 0, _options.Deployment.LatencyBudgetMs);
    }

    private static bool AutoRollback(Deploy deploy) => deploy.Validation is null || deploy.Validation.AutoRollback;

    private async Task HoldAsync(DeploymentState state, CancellationToken cancellationToken)
    {
        if (_options.Diagnostics.HoldDeploymentIn != state.ToString()) return;
        _log.LogWarning("diagnostics: holding the deployment in {State} for {Seconds} s", state, _options.Diagnostics.HoldSeconds);
        await Task.Delay(TimeSpan.FromSeconds(_options.Diagnostics.HoldSeconds), cancellationToken).ConfigureAwait(false);
    }

    private void Fail(string id, Deploy deploy, string reason)
    {
        _log.LogWarning("deploy {Id} failed: {Reason}", id, reason);
        try
        {
            var record = _journal.Find(id);
            if (record is { State: DeploymentState.Activating or DeploymentState.Probation })
            {
                // Already serving: failing now must not leave the new engine behind.
                RollBackStore(deploy.ModelId, deploy.Version);
                ReloadActive();
                _journal.Move(id, DeploymentState.RolledBack, reason);
                EndFlight(id);
                Send(new Reply { CommandId = id, State = CommandState.RolledBack, Reason = reason });
                return;
            }
            if (record is not null && !record.State.IsFinal()) _journal.Move(id, DeploymentState.Failed, reason);
        }
        catch (Exception e) when (e is DeploymentException or StoreException or IOException)
        {
            _log.LogError("deploy {Id}: recording the failure failed too: {Error}", id, e.Message);
        }
        EndFlight(id);
        Send(new Reply { CommandId = id, State = CommandState.Failed, Reason = reason });
        Event(Telemetry.Wire.Event.Types.Severity.Warning, "deployment", $"{deploy.ModelId} {deploy.Version} failed: {reason}");
        CleanUp(id);
    }

    private void CleanUp(string id)
    {
        try
        {
            if (Directory.Exists(TransferDir(id))) Directory.Delete(TransferDir(id), recursive: true);
        }
        catch (IOException e)
        {
            _log.LogWarning("could not remove transfer folder of {Id}: {Error}", id, e.Message);
        }
    }

    private void Prune(string modelId)
    {
        foreach (var removed in _store.Prune(modelId)) _log.LogInformation("pruned {Model} {Version}", modelId, removed);
    }

    /// <summary>Build progress as BUILDING replies, one per tenth of the layers compiled.</summary>
    private sealed class BuildReplies(string id, DeploymentManager owner) : IProgress<BuildProgress>
    {
        private int _lastDecile = -1;

        public void Report(BuildProgress value)
        {
            if (value.Total <= 0) return;
            int decile = (int)Math.Clamp(value.Done * 10L / value.Total, 0, 9);
            if (value.Step != "compile" || decile == _lastDecile) return;
            _lastDecile = decile;
            owner.Send(new Reply { CommandId = id, State = CommandState.Building, ProgressPercent = (uint)(decile * 10) });
        }
    }
}
