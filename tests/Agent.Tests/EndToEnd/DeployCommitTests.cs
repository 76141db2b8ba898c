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
    }
}
