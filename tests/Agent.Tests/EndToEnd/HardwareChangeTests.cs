using EdgeAgent.Agent.Engines;
using EdgeAgent.Agent.Store;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Format;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Agent.Tests.EndToEnd;

/// <summary>An engine whose fingerprint says "other hardware" (a doctored driver version) is rebuilt from the stored ONNX at start.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class HardwareChangeTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AnEngineBuiltForOtherHardwareIsRebuiltLocallyAndReported()
    {
        await using var device = await DeviceUnderTest.CreateAsync();
        await device.StartAgentAsync();
        Assert.Equal(0, await device.Agent.StopAsync(TimeSpan.FromSeconds(30)));

        var version = device.Store.Active(Artifacts.ModelId)!;
        string enginePath = version.FilePath(EngineStore.EngineFile);
        var plan = EngineSerializer.Read(enginePath);
        var f = plan.Fingerprint;
        var other = new DeviceFingerprint(f.Backend, f.Device, f.Architecture, f.Features,
            new Dictionary<string, string>(f.Versions) { ["driver"] = "535.00-elsewhere" });
        var doctored = new EnginePlan(plan.GraphBytes.ToArray(), plan.Tactics, other, plan.Profiles, plan.Model, plan.Precision, plan.BuilderVersion);
        File.WriteAllBytes(enginePath, EngineSerializer.Write(doctored));
        var cpu = EngineFactory.Cpu(1);
        Assert.NotNull(EngineFactory.Mismatch(File.ReadAllBytes(enginePath), "doctored", cpu));

        var restarted = DateTimeOffset.UtcNow;
        await device.StartAgentAsync();
        var fleet = device.Fleet;
        var mismatch = await fleet.WaitAsync(x => x.Events.FirstOrDefault(e => e.Kind == "engine" && e.Message.Contains("other hardware")), Long, "a hardware-change event", device.AgentOutput);
        Assert.Contains("driver", mismatch.Message);
        await fleet.WaitAsync(x => x.Events.FirstOrDefault(e => e.Kind == "engine" && e.Message.Contains("rebuilt")), Long, "a rebuilt event", device.AgentOutput);
        Assert.Null(EngineFactory.Mismatch(File.ReadAllBytes(enginePath), "rebuilt", cpu));
        Assert.Equal("1", device.Store.Active(Artifacts.ModelId)?.Manifest.Version);
        await fleet.WaitAsync(x => x.Telemetry.LastOrDefault(t => t.Header.Time.ToDateTimeOffset() > restarted && t.Pipeline.Frames > 0 && t.Engine?.ModelVersion == "1"),
            Long, "telemetry from the rebuilt engine");
    }
}
