using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Agent.Tests.EndToEnd;

/// <summary>The happy path: a new version is built, validated, swapped in without losing a frame, watched, committed.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class DeployCommitTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task OnnxDeployGoesThroughEveryStateToCommittedWithoutDroppingAFrame()
    {
        await using var device = await DeviceUnderTest.CreateAsync();
        await device.StartAgentAsync();
        var fleet = device.Fleet;
        await fleet.WaitAsync(f => f.Telemetry.FirstOrDefault(t => t.Pipeline.Frames > 0), Long, "telemetry with frames", device.AgentOutput);

        byte[] artifact = File.ReadAllBytes(Artifacts.ClsModel);
        string url = Artifacts.FileUrl(device.Root, "cls-v2.onnx", artifact);
        var deploy = Artifacts.Deploy("deploy-v2", "2", ArtifactKind.Onnx, artifact, device.FleetKey, url: url,
            validation: new ValidationPolicy { MinCosine = 0.999, Probation = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(3)), AutoRollback = true });
        await fleet.SendAsync(deploy);
        var committed = await fleet.WaitForReplyAsync("deploy-v2", Long, device.AgentOutput, CommandState.Committed, CommandState.Failed, CommandState.RolledBack);
        Assert.True(committed.State == CommandState.Committed, $"deploy ended {committed.State}: {committed.Reason}\n{device.AgentOutput()}");

        // Every state was reported, in order.
        var states = fleet.RepliesTo("deploy-v2").Select(r => r.State).Distinct().ToList();
        Assert.Equal([CommandState.Accepted, CommandState.Downloading, CommandState.Building, CommandState.Validating, CommandState.Activated, CommandState.Committed], states);

        // The store: v2 active, v1 previous; the journal: committed.
        Assert.Equal("2", device.Store.Active(Artifacts.ModelId)?.Manifest.Version);
        Assert.Equal("1", device.Store.Previous(Artifacts.ModelId)?.Manifest.Version);
        Assert.Equal(EdgeAgent.Agent.Deployment.DeploymentState.Committed, device.Journal.Find("deploy-v2")?.State);

        // Telemetry kept flowing and names the new engine; results switched engines with no frame missing.
        await fleet.WaitAsync(f => f.Telemetry.LastOrDefault(t => t.Engine?.ModelVersion == "2" && t.Pipeline.Frames > 0), Long, "telemetry from v2");
        var results = fleet.Results.OrderBy(r => r.FrameId).ToList();
        var engines = results.Select(r => r.EngineId).Distinct().ToList();
        Assert.True(engines.Count >= 2, "results should come from the old and then the new engine");
        var ids = results.Select(r => (long)r.FrameId).Distinct().ToList();
        Assert.Equal(Enumerable.Range((int)ids[0], ids.Count).Select(i => (long)i), ids); // no gap, across the swap
        Assert.All(fleet.Telemetry, t => Assert.Equal(0ul, t.Pipeline.FramesDropped));
        Assert.All(results, r => Assert.Equal(2, r.Classification.Top.Count));
        Assert.Contains(fleet.Statuses, s => s.DeploymentState == "probation"); // the retained status follows the deployment
    }

    [Fact]
    public async Task RollbackRebuildAndARepeatedDeployDoWhatTheySay()
    {
        await using var device = await DeviceUnderTest.CreateAsync();
        await device.StartAgentAsync();
        var fleet = device.Fleet;
        byte[] artifact = File.ReadAllBytes(Artifacts.ClsModel);
        string url = Artifacts.FileUrl(device.Root, "cls.onnx", artifact);
        await fleet.SendAsync(Artifacts.Deploy("d-2", "2", ArtifactKind.Onnx, artifact, device.FleetKey, url: url,
            validation: new ValidationPolicy { Probation = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(1)), AutoRollback = true }));
        Assert.Equal(CommandState.Committed, (await fleet.WaitForReplyAsync("d-2", Long, device.AgentOutput, CommandState.Committed, CommandState.Failed, CommandState.RolledBack)).State);

        // The same version again under a new id: nothing to do.
        await fleet.SendAsync(Artifacts.Deploy("d-2-again", "2", ArtifactKind.Onnx, artifact, device.FleetKey, url: url));
        var again = await fleet.WaitForReplyAsync("d-2-again", Long, device.AgentOutput, CommandState.Committed, CommandState.Rejected, CommandState.Failed);
        Assert.Equal(CommandState.Committed, again.State);
        Assert.Contains("already active", again.Reason);
        Assert.DoesNotContain(fleet.RepliesTo("d-2-again"), r => r.State == CommandState.Building);

        await fleet.SendAsync(new Command { CommandId = "rb", Rollback = new Rollback { Reason = "false positives" } });
        var rolledBack = await fleet.WaitForReplyAsync("rb", Long, device.AgentOutput, CommandState.RolledBack, CommandState.Rejected);
        Assert.Equal(CommandState.RolledBack, rolledBack.State);
        Assert.Contains("false positives", rolledBack.Reason);
        Assert.Equal("1", device.Store.Active(Artifacts.ModelId)?.Manifest.Version);
        var afterRollback = rolledBack.Header.Time.ToDateTimeOffset();
        await fleet.WaitAsync(f => f.Results.FirstOrDefault(r => r.Header.Time.ToDateTimeOffset() > afterRollback.AddSeconds(0.5)
            && r.EngineId == device.Store.Active(Artifacts.ModelId)!.Manifest.EngineSha256[..16]), Long, "results from v1 again");

        await fleet.SendAsync(new Command { CommandId = "rebuild-1", Rebuild = new Rebuild { Reason = "driver upgrade" } });
        Assert.Equal(CommandState.Completed, (await fleet.WaitForReplyAsync("rebuild-1", Long, device.AgentOutput, CommandState.Completed, CommandState.Failed, CommandState.Rejected)).State);
        Assert.Contains(fleet.RepliesTo("rebuild-1"), r => r.State == CommandState.Building);
        await fleet.WaitAsync(f => f.Events.FirstOrDefault(e => e.Kind == "engine" && e.Message.Contains("rebuilt") && e.Message.Contains("driver upgrade")), Long, "a rebuilt event");
        Assert.Equal("1", device.Store.Active(Artifacts.ModelId)?.Manifest.Version);
    }

    [Fact]
    public async Task AnEngineBuiltForThisDeviceIsInstalledAsSentWithoutABuild()
    {
        await using var device = await DeviceUnderTest.CreateAsync();
        await device.StartAgentAsync();
        var fleet = device.Fleet;
        var preprocess = new Camera.Processing.Pre.PreprocessConfig { Width = 192, Height = 48, Resize = Camera.Processing.Pre.ResizeMode.Stretch };
        var factory = new Engines.EngineFactory(new EdgeAgent.Agent.Hosting.EngineSection(), preprocess);
        byte[] engine = factory.Build(Artifacts.ClsModel, Engines.EngineFactory.Cpu(1), autotune: false, null, CancellationToken.None).File;

        await fleet.SendAsync(Artifacts.Deploy("d-engine", "7", ArtifactKind.Engine, engine, device.FleetKey, chunkSize: 65_536));
        await fleet.WaitForReplyAsync("d-engine", Long, device.AgentOutput, CommandState.Accepted);
        for (int i = 0; i * 65_536 < engine.Length; i++) await fleet.SendAsync(Artifacts.Chunk("d-engine", engine, 65_536, i));
        var end = await fleet.WaitForReplyAsync("d-engine", Long, device.AgentOutput, CommandState.Committed, CommandState.Failed, CommandState.RolledBack);
        Assert.True(end.State == CommandState.Committed, $"{end.State}: {end.Reason}");
        Assert.DoesNotContain(fleet.RepliesTo("d-engine"), r => r.State == CommandState.Building);
        var active = device.Store.Active(Artifacts.ModelId)!;
        Assert.Equal("7", active.Manifest.Version);
        Assert.Equal("engine", active.Manifest.ArtifactKind);
        Assert.Equal(engine, File.ReadAllBytes(active.FilePath(EdgeAgent.Agent.Store.EngineStore.EngineFile)));
    }

    [Fact]
    public async Task AnInt8DeployIsCalibratedOnRecentCameraFramesAndValidatedAgainstTheFp32Engine()
    {
        await using var device = await DeviceUnderTest.CreateAsync(c => c["Telemetry"]!["ShadowEveryNthFrame"] = 4);
        await device.StartAgentAsync();
        var fleet = device.Fleet;
        await fleet.WaitAsync(f => f.Telemetry.FirstOrDefault(t => t.Pipeline.Frames > 10), Long, "frames for calibration", device.AgentOutput);
        byte[] artifact = File.ReadAllBytes(Artifacts.ClsModel);
        var deploy = Artifacts.Deploy("d-int8", "2", ArtifactKind.Onnx, artifact, device.FleetKey, url: Artifacts.FileUrl(device.Root, "cls.onnx", artifact),
            validation: new ValidationPolicy { MinCosine = 0.9, Probation = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(2)), AutoRollback = true });
        deploy.Deploy.Precision = new PrecisionPolicy
        {
            Precision = Precision.Int8, Calibration = new CalibrationPolicy { Source = CalibrationPolicy.Types.Source.RecentFrames, Frames = 8 },
        };
        await fleet.SendAsync(deploy);
        var end = await fleet.WaitForReplyAsync("d-int8", Long, device.AgentOutput, CommandState.Committed, CommandState.Failed, CommandState.RolledBack);
        Assert.True(end.State == CommandState.Committed, $"{end.State}: {end.Reason}\n{device.AgentOutput()}");
        Assert.Equal("int8", device.Store.Active(Artifacts.ModelId)!.Manifest.Precision);
        await fleet.WaitAsync(f => f.Telemetry.LastOrDefault(t => t.Engine?.ModelVersion == "2" && t.Engine.Precision == Precision.Int8 && t.Pipeline.Frames > 0),
            Long, "telemetry from the int8 engine");

        // An fp32 reference of the same model shadows the int8 engine on sampled frames.
        var shadowed = await fleet.WaitAsync(f => f.Telemetry.LastOrDefault(t => t.Engine?.Precision == Precision.Int8 && t.Shadow is { Samples: > 0 }),
            Long, "telemetry with shadow statistics", device.AgentOutput);
        Assert.InRange(shadowed.Shadow.CosineMean, 0.9, 1.0);
        Assert.True(shadowed.Shadow.HasTop1Agreement);
        Assert.InRange(shadowed.Shadow.BudgetUsed, 0.0, 0.5);
    }

    [Fact]
    public async Task AFreshDeviceWithoutAModelServesItsFirstDeployment()
    {
        await using var device = await DeviceUnderTest.CreateAsync(c => c["Model"]!["Onnx"] = "/nonexistent/model.onnx");
        await device.StartAgentAsync();
        var fleet = device.Fleet;
        Assert.Contains("nothing to install until a deployment arrives", device.AgentOutput());
        await fleet.WaitAsync(f => f.Telemetry.FirstOrDefault(t => t.Engine is null), Long, "telemetry without an engine");

        byte[] artifact = File.ReadAllBytes(Artifacts.ClsModel);
        await fleet.SendAsync(Artifacts.Deploy("first", "1", ArtifactKind.Onnx, artifact, device.FleetKey, url: Artifacts.FileUrl(device.Root, "cls.onnx", artifact)));
        var end = await fleet.WaitForReplyAsync("first", Long, device.AgentOutput, CommandState.Committed, CommandState.Failed, CommandState.RolledBack);
        Assert.True(end.State == CommandState.Committed, $"{end.State}: {end.Reason}");
        Assert.Equal("1", device.Store.Active(Artifacts.ModelId)?.Manifest.Version);
        Assert.Null(device.Store.Previous(Artifacts.ModelId));
        await fleet.WaitAsync(f => f.Telemetry.LastOrDefault(t => t.Engine?.ModelVersion == "1" && t.Pipeline.Frames > 0), Long, "telemetry from the first engine");
    }
}
