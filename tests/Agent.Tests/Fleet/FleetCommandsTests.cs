using EdgeAgent.Agent.Tests.Cli;
using EdgeAgent.Agent.Tests.Fleet.Infrastructure;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Agent.Tests.Fleet;

/// <summary><c>fleet status</c>, <c>fleet rollback</c> and <c>fleet watch</c> against a real broker.</summary>
public sealed class FleetCommandsTests(TestBroker broker) : IClassFixture<TestBroker>, IDisposable
{
    private readonly FleetTestFiles _files = new();

    private Task<CliResult> RunAsync(params string[] args) => Task.Run(() => CliRunner.Run(["fleet", .. args, "--broker", broker.Uri]));

    [Fact]
    public async Task Status_prints_the_retained_status_and_the_devices_answer()
    {
        string id = FleetTestFiles.DeviceId("cam");
        await using var device = await DeviceResponder.StartAsync(broker.Address, id, new DeviceScript { TransferDirectory = _files.Sub(id) });

        var result = await RunAsync("status", "--device", id);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("retained status: online since", result.Output);
        Assert.Contains("engine      det:1 fp32/cpu", result.Output); // from the retained status
        Assert.Contains("device status: online", result.Output);
        Assert.Contains("engine      det:7 int8/cpu", result.Output); // from the GetStatus reply
        Assert.Single(device.Commands, c => c.BodyCase == Command.BodyOneofCase.GetStatus);
    }

    [Fact]
    public async Task Status_as_json_is_the_contracts_mapping()
    {
        string id = FleetTestFiles.DeviceId("cam");
        await using var device = await DeviceResponder.StartAsync(broker.Address, id, new DeviceScript { TransferDirectory = _files.Sub(id) });

        var result = await RunAsync("status", "--device", id, "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.True(WireCodec.TryDecode(System.Text.Encoding.UTF8.GetBytes(result.Output.Trim()), Status.Parser, out var status, out var error), error);
        Assert.Equal("feedbeef", status.Engine.EngineId);
    }

    [Fact]
    public async Task Rollback_succeeds_on_rolled_back_and_fails_with_the_reason_otherwise()
    {
        string ok = FleetTestFiles.DeviceId("cam");
        string bad = FleetTestFiles.DeviceId("cam");
        await using var okDevice = await DeviceResponder.StartAsync(broker.Address, ok,
            new DeviceScript { TransferDirectory = _files.Sub(ok), FinalState = CommandState.RolledBack, FinalReason = "back to 3" });
        await using var badDevice = await DeviceResponder.StartAsync(broker.Address, bad,
            new DeviceScript { TransferDirectory = _files.Sub(bad), FinalState = CommandState.Failed, FinalReason = "no previous engine" });

        var good = await RunAsync("rollback", "--device", ok, "--reason", "false positives");
        var failed = await RunAsync("rollback", "--device", bad);

        Assert.True(good.ExitCode == 0, good.Output + good.Error);
        Assert.Contains($"device '{ok}' rolled back: back to 3", good.Output);
        Assert.Equal("false positives", okDevice.Commands.Single().Rollback.Reason);
        Assert.Equal(2, failed.ExitCode);
        Assert.Equal($"error: rollback: '{bad}' answered failed: no previous engine", Assert.Single(failed.ErrorLines));
    }

    [Fact]
    public async Task Watch_shows_each_device_with_engine_fps_latency_drift_and_drops()
    {
        string id = FleetTestFiles.DeviceId("wat");
        await using var device = await DeviceResponder.StartAsync(broker.Address, id, new DeviceScript { TransferDirectory = _files.Sub(id) });
        var watching = RunAsync("watch", "--device", id, "--duration", "2.5");
        await Task.Delay(700);
        for (ulong seq = 1; seq <= 2; seq++)
        {
            // seq 1 is delivered twice (at-least-once): its drops must be counted once.
            await device.PublishAsync($"edgeagent/{id}/telemetry", Telemetry(device, seq));
            if (seq == 1) await device.PublishAsync($"edgeagent/{id}/telemetry", Telemetry(device, seq));
        }
        await device.PublishAsync($"edgeagent/{id}/events", new Event
        {
            Header = device.Stamp(1), Kind = "drift", Severity = Event.Types.Severity.Warning,
            Drift = new DriftEvent { Metric = "psi:input_brightness", Value = 0.41, Threshold = 0.25 },
        });

        var result = await watching;

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        string row = result.Output.Split('\n').Single(l => l.Contains(id));
        Assert.Contains("online", row);
        Assert.Contains("det:3 int8/cpu", row);
        Assert.Contains("29.5", row);   // fps
        Assert.Contains("2.10", row);   // inference p50
        Assert.Contains("3.90", row);   // inference p99
        Assert.Contains("ALARM psi:input_brightness", row);
        Assert.Contains("psi 0.310", row);
        Assert.Contains("2 (4)", row);  // dropped in the last window (since watch start)
    }

    private static Telemetry.Wire.Telemetry Telemetry(DeviceResponder device, ulong seq)
    {
        var telemetry = new Telemetry.Wire.Telemetry
        {
            Header = device.Stamp(seq), WindowMs = 10_000,
            Engine = new EngineInfo { ModelId = "det", ModelVersion = "3", EngineId = "e3", Precision = Precision.Int8, Backend = "cpu" },
            Pipeline = new PipelineCounters { Fps = 29.5, Frames = 295, FramesDropped = 2 },
        };
        telemetry.Stages.Add(new StageLatency { Stage = Stage.EndToEnd, P50Ms = 11, P99Ms = 19.7 });
        telemetry.Stages.Add(new StageLatency { Stage = Stage.Inference, P50Ms = 2.1, P99Ms = 3.9 });
        telemetry.Distributions.Add(new DistributionDrift { Name = "input_brightness", Psi = 0.31 });
        telemetry.Distributions.Add(new DistributionDrift { Name = "output_confidence", Psi = 0.02 });
        return telemetry;
    }

    public void Dispose() => _files.Dispose();
}
