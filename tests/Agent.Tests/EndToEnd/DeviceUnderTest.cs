using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EdgeAgent.Agent.Deployment;
using EdgeAgent.Agent.Store;

namespace EdgeAgent.Agent.Tests.EndToEnd;

/// <summary>
/// One device for an end-to-end test: a broker, a state folder, a fleet key pair, the agent
/// process configured for the PP-OCR classifier on a synthetic camera with short windows, and
/// the fleet-side probe. Everything is torn down together.
/// </summary>
public sealed class DeviceUnderTest : IAsyncDisposable
{
    private DeviceUnderTest(TestBroker broker, string root, string deviceId, ECDsa fleetKey, JsonObject config)
    {
        Broker = broker;
        Root = root;
        DeviceId = deviceId;
        FleetKey = fleetKey;
        Config = config;
    }

    public TestBroker Broker { get; }
    public string Root { get; }
    public string DeviceId { get; }
    public ECDsa FleetKey { get; }
    public JsonObject Config { get; }
    public FleetProbe Fleet { get; private set; } = null!;
    public AgentProcess Agent { get; private set; } = null!;
    public string StateDirectory => Path.Combine(Root, "state");
    public EngineStore Store => new(Path.Combine(StateDirectory, "store"));
    public DeploymentJournal Journal => new(Path.Combine(StateDirectory, "deployments"));

    public static async Task<DeviceUnderTest> CreateAsync(Action<JsonObject>? configure = null)
    {
        var broker = await TestBroker.StartAsync();
        string root = Directory.CreateTempSubdirectory("edgeagent-e2e-").FullName;
        string deviceId = "dev-" + Guid.NewGuid().ToString("N")[..10];
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(Path.Combine(root, "fleet.pub"), key.ExportSubjectPublicKeyInfoPem());
        var config = new JsonObject
        {
            ["DeviceId"] = deviceId,
            ["StateDirectory"] = Path.Combine(root, "state"),
            ["Mqtt"] = new JsonObject { ["Broker"] = broker.Uri, ["KeepAliveSeconds"] = 10 },
            ["Camera"] = new JsonObject { ["Source"] = "synthetic:320x96@20", ["RingCapacity"] = 64, ["Name"] = "test-cam" },
            ["Model"] = new JsonObject
            {
                ["Id"] = Artifacts.ModelId, ["Version"] = "1", ["Onnx"] = Artifacts.ClsModel, ["Postprocess"] = "classification",
                ["Preprocess"] = new JsonObject
                {
                    ["Width"] = 192, ["Height"] = 48, ["Resize"] = "Stretch",
                    ["Mean"] = new JsonArray(0.5, 0.5, 0.5), ["Std"] = new JsonArray(0.5, 0.5, 0.5),
                },
            },
            ["Engine"] = new JsonObject { ["Backend"] = "cpu", ["Threads"] = 1, ["BuildThreads"] = 1, ["AllowDelayInjection"] = true },
            ["Deployment"] = new JsonObject
            {
                ["FleetPublicKey"] = Path.Combine(root, "fleet.pub"), ["ProbationSeconds"] = 3, ["MinProbationFrames"] = 10,
                ["LatencySlackMs"] = 60, ["MaxLatencyRatio"] = 2, ["ChunkStallSeconds"] = 1.5, ["RollbackOnDrift"] = false,
            },
            ["Telemetry"] = new JsonObject { ["IntervalSeconds"] = 1 },
        };
        configure?.Invoke(config);
        var device = new DeviceUnderTest(broker, root, deviceId, key, config);
        device.Fleet = await FleetProbe.ConnectAsync(broker, deviceId);
        return device;
    }

    /// <summary>Starts the agent and waits until it serves frames.</summary>
    public async Task StartAgentAsync(IReadOnlyDictionary<string, string>? environment = null, string readyLog = "streaming")
    {
        string config = AgentProcess.WriteConfig(Root, Config);
        Agent = AgentProcess.Start(config, environment);
        await Agent.WaitForLogAsync(readyLog, TimeSpan.FromSeconds(90));
        await WaitUntilAnsweringAsync();
    }

    /// <summary>
    /// Pings until the device answers: a command published before the device's first subscription
    /// reached the broker is dropped by the broker (there is no session to queue it in yet).
    /// </summary>
    public async Task WaitUntilAnsweringAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            string id = $"ready-{Guid.NewGuid():N}";
            await Fleet.SendAsync(new Telemetry.Wire.Command { CommandId = id, Ping = new Telemetry.Wire.Ping() });
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(1);
            while (DateTime.UtcNow < until)
            {
                if (Fleet.RepliesTo(id).Count > 0) return;
                await Task.Delay(25);
            }
            if (DateTime.UtcNow > deadline || Agent.HasExited) throw new TimeoutException($"the device never answered a ping:\n{AgentOutput()}");
        }
    }

    /// <summary>SIGKILL, then a fresh start on the same state folder.</summary>
    public async Task CrashAndRestartAsync(IReadOnlyDictionary<string, string>? environment = null)
    {
        await Agent.KillAsync();
        await Agent.DisposeAsync();
        await StartAgentAsync(environment);
    }

    public string AgentOutput() => Agent?.Output ?? "";

    public async ValueTask DisposeAsync()
    {
        if (Agent is not null) await Agent.DisposeAsync();
        await Fleet.DisposeAsync();
        await Broker.DisposeAsync();
        FleetKey.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
