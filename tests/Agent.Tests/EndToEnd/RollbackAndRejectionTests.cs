using System.Security.Cryptography;
using EdgeAgent.Agent.Deployment;
using EdgeAgent.Agent.Engines;
using EdgeAgent.Telemetry.Wire;
using Google.Protobuf.WellKnownTypes;

namespace EdgeAgent.Agent.Tests.EndToEnd;

/// <summary>Deploys that must not stick: a slow engine (rolled back by probation) and bad artifacts (refused before they serve).</summary>
[Collection(EndToEndCollection.Name)]
public sealed class RollbackAndRejectionTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ASlowEngineIsRolledBackAutomaticallyWithTheLatencyAsReason()
    {
        await using var device = await DeviceUnderTest.CreateAsync();
        await device.StartAgentAsync();
        var fleet = device.Fleet;
        await fleet.WaitAsync(f => f.Telemetry.FirstOrDefault(t => t.Pipeline.Frames > 10), Long, "telemetry with frames", device.AgentOutput);

        // Same model, same outputs, but every layer sleeps 4 ms: it validates, then fails its probation on p99.
        byte[] slow = Artifacts.WithMetadata(Artifacts.ClsModel, EngineFactory.DelayMetadataKey, "4");
        var deploy = Artifacts.Deploy("deploy-slow", "2", ArtifactKind.Onnx, slow, device.FleetKey, url: Artifacts.FileUrl(device.Root, "slow.onnx", slow),
            validation: new ValidationPolicy { Probation = Duration.FromTimeSpan(TimeSpan.FromSeconds(20)), MaxLatencyRatio = 2, AutoRollback = true });
        await fleet.SendAsync(deploy);
        var end = await fleet.WaitForReplyAsync("deploy-slow", Long, device.AgentOutput, CommandState.RolledBack, CommandState.Committed, CommandState.Failed);

        Assert.True(end.State == CommandState.RolledBack, $"{end.State}: {end.Reason}\n{device.AgentOutput()}");
        Assert.Contains("p99 latency", end.Reason);
        Assert.Contains(fleet.RepliesTo("deploy-slow"), r => r.State == CommandState.Activated); // it did serve first
        Assert.Equal("1", device.Store.Active(Artifacts.ModelId)?.Manifest.Version);
        Assert.Equal(DeploymentState.RolledBack, device.Journal.Find("deploy-slow")?.State);
        Assert.Contains(fleet.Events, e => e.Kind == "deployment" && e.Message.Contains("rolled back"));
        // Well inside the 20 s window: the verdict came from the latency, not the clock.
        var activated = fleet.RepliesTo("deploy-slow").First(r => r.State == CommandState.Activated).Header.Time.ToDateTimeOffset();
        Assert.True(end.Header.Time.ToDateTimeOffset() - activated < TimeSpan.FromSeconds(15));
        await fleet.WaitAsync(f => f.Telemetry.Skip(2).LastOrDefault(t => t.Engine?.ModelVersion == "1" && t.Pipeline.Frames > 0 && t.Header.Time.ToDateTimeOffset() > end.Header.Time.ToDateTimeOffset()),
            Long, "telemetry from v1 after the rollback");
    }

    [Fact]
    public async Task BadSignatureWrongSha256AndCorruptArtifactsAreRefusedAndTheActiveEngineStays()
    {
        await using var device = await DeviceUnderTest.CreateAsync();
        await device.StartAgentAsync();
        var fleet = device.Fleet;
        byte[] model = File.ReadAllBytes(Artifacts.ClsModel);
        string url = Artifacts.FileUrl(device.Root, "m.onnx", model);

        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await fleet.SendAsync(Artifacts.Deploy("bad-sig", "2", ArtifactKind.Onnx, model, stranger, url: url));
        var badSig = await fleet.WaitForReplyAsync("bad-sig", Long, device.AgentOutput, CommandState.Rejected, CommandState.Committed, CommandState.Failed);
        Assert.Equal(CommandState.Rejected, badSig.State);
        Assert.Contains("signature", badSig.Reason);

        string wrongSha = Artifacts.Sha256([1, 2, 3]);
        await fleet.SendAsync(Artifacts.Deploy("bad-sha", "3", ArtifactKind.Onnx, model, device.FleetKey, url: url, sha256: wrongSha));
        var badSha = await fleet.WaitForReplyAsync("bad-sha", Long, device.AgentOutput, CommandState.Failed, CommandState.Committed, CommandState.Rejected);
        Assert.Equal(CommandState.Failed, badSha.State);
        Assert.Contains("sha256", badSha.Reason);

        byte[] garbage = new byte[40_000];
        new Random(7).NextBytes(garbage);
        await fleet.SendAsync(Artifacts.Deploy("corrupt", "4", ArtifactKind.Engine, garbage, device.FleetKey, chunkSize: 16_384));
        for (int i = 0; i < 3; i++) await fleet.SendAsync(Artifacts.Chunk("corrupt", garbage, 16_384, i));
        var corrupt = await fleet.WaitForReplyAsync("corrupt", Long, device.AgentOutput, CommandState.Failed, CommandState.Committed, CommandState.Rejected);
        Assert.Equal(CommandState.Failed, corrupt.State);
        Assert.Contains("not an engine", corrupt.Reason);

        // The same (bad) command again is answered from the record, not run again.
        await fleet.SendAsync(Artifacts.Deploy("bad-sig", "2", ArtifactKind.Onnx, model, stranger, url: url));
        await fleet.WaitAsync(f => f.RepliesTo("bad-sig").Count(r => r.State == CommandState.Rejected) >= 2 ? "" : null, Long, "a second answer to bad-sig");
        Assert.Single(fleet.RepliesTo("bad-sig").Select(r => r.Reason).Distinct());

        Assert.Equal("1", device.Store.Active(Artifacts.ModelId)?.Manifest.Version);
        Assert.Single(device.Store.Versions(Artifacts.ModelId));
        Assert.DoesNotContain(fleet.Replies, r => r.State == CommandState.Activated);
        var after = DateTimeOffset.UtcNow;
        await fleet.WaitAsync(f => f.Telemetry.LastOrDefault(t => t.Engine?.ModelVersion == "1" && t.Pipeline.Frames > 0 && t.Header.Time.ToDateTimeOffset() > after),
            Long, "telemetry from v1 after the refusals");
    }
}
