using EdgeAgent.Agent.Deployment;
using EdgeAgent.Telemetry.Wire;
using Google.Protobuf.WellKnownTypes;

namespace EdgeAgent.Agent.Tests.EndToEnd;

/// <summary>
/// kill -9 of the agent at every deployment state. After the restart there is exactly one active
/// engine, and the deployment went on (before activation) or was rolled back (from activation on,
/// because nothing was committed).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class CrashRecoveryTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);
    private const int ChunkSize = 16_384;

    [Theory]
    [InlineData("Downloading", "2", CommandState.Committed)]
    [InlineData("Building", "2", CommandState.Committed)]
    [InlineData("Validating", "2", CommandState.Committed)]
    [InlineData("Activating", "1", CommandState.RolledBack)]
    [InlineData("Probation", "1", CommandState.RolledBack)]
    public async Task AKillAtEachStateLeavesOneConsistentEngine(string state, string expectedActive, CommandState expectedEnd)
    {
        await using var device = await DeviceUnderTest.CreateAsync();
        var hold = state is "Building" or "Validating" or "Activating"
            ? new Dictionary<string, string> { ["EDGEAGENT__Diagnostics__HoldDeploymentIn"] = state }
            : null;
        await device.StartAgentAsync(hold);
        var fleet = device.Fleet;
        byte[] model = File.ReadAllBytes(Artifacts.ClsModel);
        const string id = "deploy-crash";
        var probation = Duration.FromTimeSpan(TimeSpan.FromSeconds(state == "Probation" ? 120 : 3));
        var policy = new ValidationPolicy { Probation = probation, AutoRollback = true, MaxLatencyRatio = 2 };

        if (state == "Downloading")
        {
            await fleet.SendAsync(Artifacts.Deploy(id, "2", ArtifactKind.Onnx, model, device.FleetKey, chunkSize: ChunkSize, validation: policy));
            int half = model.Length / ChunkSize / 2;
            for (int i = 0; i < half; i++) await fleet.SendAsync(Artifacts.Chunk(id, model, ChunkSize, i));
            await fleet.WaitAsync(f => f.Replies.FirstOrDefault(r => r.ChunkAck?.Received >= half), Long, "acks for half the chunks", device.AgentOutput);
        }
        else
        {
            await fleet.SendAsync(Artifacts.Deploy(id, "2", ArtifactKind.Onnx, model, device.FleetKey, url: Artifacts.FileUrl(device.Root, "m.onnx", model), validation: policy));
            var target = System.Enum.Parse<DeploymentState>(state);
            await fleet.WaitAsync(_ => device.Journal.Find(id)?.State == target ? "" : null, Long, $"journal state {state}", device.AgentOutput);
            if (state == "Probation") await fleet.WaitForReplyAsync(id, Long, device.AgentOutput, CommandState.Activated);
            await Task.Delay(300); // inside the state, past its first side effects
        }

        await device.CrashAndRestartAsync(); // no hold this time

        if (state == "Downloading")
        {
            // The restarted device asks for exactly what it lacks; the fleet sends it.
            var request = await fleet.WaitAsync(f => f.RepliesTo(id).FirstOrDefault(r => r.ChunkRequest is not null), Long, "a chunk request", device.AgentOutput);
            int count = (model.Length + ChunkSize - 1) / ChunkSize;
            Assert.Equal(Enumerable.Range(model.Length / ChunkSize / 2, count - model.Length / ChunkSize / 2).Select(i => (uint)i), request.ChunkRequest.Missing);
            foreach (var i in request.ChunkRequest.Missing) await fleet.SendAsync(Artifacts.Chunk(id, model, ChunkSize, (int)i));
        }
        var end = await fleet.WaitForReplyAsync(id, Long, device.AgentOutput, CommandState.Committed, CommandState.RolledBack, CommandState.Failed);
        Assert.True(end.State == expectedEnd, $"{state}: ended {end.State} ({end.Reason})\n{device.AgentOutput()}");
        if (expectedEnd == CommandState.RolledBack) Assert.Contains("restarted", end.Reason);

        var store = device.Store;
        Assert.Equal(expectedActive, store.Active(Artifacts.ModelId)?.Manifest.Version);
        Assert.Empty(store.Recover()); // nothing half-done left behind
        Assert.True(device.Journal.Find(id)!.State.IsFinal());
        var after = end.Header.Time.ToDateTimeOffset();
        await fleet.WaitAsync(f => f.Telemetry.LastOrDefault(t => t.Header.Time.ToDateTimeOffset() > after && t.Engine?.ModelVersion == expectedActive && t.Pipeline.Frames > 0),
            Long, $"telemetry from v{expectedActive}", device.AgentOutput);
    }

    [Fact]
    public async Task AChunkedTransferCutByABrokerRestartResumesAndCompletes()
    {
        await using var device = await DeviceUnderTest.CreateAsync();
        await device.StartAgentAsync();
        var fleet = device.Fleet;
        byte[] model = File.ReadAllBytes(Artifacts.ClsModel);
        const string id = "deploy-outage";
        int count = (model.Length + ChunkSize - 1) / ChunkSize;
        int sent = count / 3;
        await fleet.SendAsync(Artifacts.Deploy(id, "2", ArtifactKind.Onnx, model, device.FleetKey, chunkSize: ChunkSize));
        for (int i = 0; i < sent; i++) await fleet.SendAsync(Artifacts.Chunk(id, model, ChunkSize, i));
        await fleet.WaitAsync(f => f.Replies.FirstOrDefault(r => r.ChunkAck?.Received >= sent), Long, "acks for the first third", device.AgentOutput);

        await device.Broker.StopAsync();
        await Task.Delay(1000);
        await device.Broker.StartAsync(CancellationToken.None);

        // After reconnecting (or when the transfer stalls) the device lists what is missing; send exactly that until done.
        var resent = new HashSet<uint>();
        var deadline = DateTime.UtcNow + Long;
        while (!fleet.RepliesTo(id).Any(r => r.State is CommandState.Committed or CommandState.Failed or CommandState.RolledBack))
        {
            Assert.True(DateTime.UtcNow < deadline, "transfer did not finish:\n" + device.AgentOutput());
            var request = fleet.RepliesTo(id).LastOrDefault(r => r.ChunkRequest is not null);
            if (request is not null)
                foreach (var i in request.ChunkRequest.Missing.Where(resent.Add)) await fleet.SendAsync(Artifacts.Chunk(id, model, ChunkSize, (int)i));
            await Task.Delay(100);
        }
        var first = fleet.RepliesTo(id).First(r => r.ChunkRequest is not null);
        Assert.Equal(Enumerable.Range(sent, count - sent).Select(i => (uint)i), first.ChunkRequest.Missing);
        Assert.Equal(CommandState.Committed, fleet.RepliesTo(id).Last(r => r.State is CommandState.Committed or CommandState.Failed or CommandState.RolledBack).State);
        Assert.Equal("2", device.Store.Active(Artifacts.ModelId)?.Manifest.Version);
    }

    [Fact]
    public async Task ACleanStopDuringProbationExitsPromptlyAndTheNextStartRollsBack()
    {
        await using var device = await DeviceUnderTest.CreateAsync();
        await device.StartAgentAsync();
        var fleet = device.Fleet;
        byte[] model = File.ReadAllBytes(Artifacts.ClsModel);
        var policy = new ValidationPolicy { Probation = Duration.FromTimeSpan(TimeSpan.FromMinutes(5)), AutoRollback = true };
        await fleet.SendAsync(Artifacts.Deploy("d-term", "2", ArtifactKind.Onnx, model, device.FleetKey, url: Artifacts.FileUrl(device.Root, "m.onnx", model), validation: policy));
        await fleet.WaitForReplyAsync("d-term", Long, device.AgentOutput, CommandState.Activated);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, await device.Agent.StopAsync(TimeSpan.FromSeconds(25)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"stopping took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(DeploymentState.Probation, device.Journal.Find("d-term")?.State); // not committed on the way out

        await device.StartAgentAsync();
        var end = await fleet.WaitForReplyAsync("d-term", Long, device.AgentOutput, CommandState.RolledBack, CommandState.Committed);
        Assert.Equal(CommandState.RolledBack, end.State);
        Assert.Equal("1", device.Store.Active(Artifacts.ModelId)?.Manifest.Version);
    }
}
