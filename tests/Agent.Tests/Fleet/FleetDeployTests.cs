using System.Diagnostics;
using System.Security.Cryptography;
using EdgeAgent.Agent.Tests.Cli;
using EdgeAgent.Agent.Tests.Fleet.Infrastructure;
using EdgeAgent.Engine.Format;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Agent.Tests.Fleet;

/// <summary><c>fleet deploy</c> against a real broker and a device speaking the contract with the agent's own parts.</summary>
public sealed class FleetDeployTests(TestBroker broker) : IClassFixture<TestBroker>, IDisposable
{
    private readonly FleetTestFiles _files = new();

    private Task<CliResult> DeployAsync(string deviceId, string artifactOption, string artifact, params string[] extra) =>
        Task.Run(() => CliRunner.Run([
            "fleet", "deploy", "--broker", broker.Uri, "--device", deviceId, artifactOption, artifact,
            "--version", "2", "--sign-key", _files.PrivateKey, "--chunk-size", "65536", .. extra.Contains("--timeout") ? extra : [.. extra, "--timeout", "20"]]));

    [Fact]
    public async Task Chunked_engine_deploy_commits_and_the_device_assembles_the_exact_signed_artifact()
    {
        string id = FleetTestFiles.DeviceId("cam");
        string engine = _files.Engine(1_000_000);
        using var trusted = SigningKeys.Load(_files.PublicKey);
        // JSON replies: the CLI must read the contract's other payload format too.
        await using var device = await DeviceResponder.StartAsync(broker.Address, id,
            new DeviceScript { TransferDirectory = _files.Sub(id), TrustedKey = trusted, Format = PayloadFormat.Json });

        var result = await DeployAsync(id, "--engine", engine);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains($"device '{id}' committed engine-1 2", result.Output);
        Assert.Contains("accepted", result.Output);
        Assert.Contains("activated (on probation)", result.Output);
        string assembled = await device.Artifact.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(File.ReadAllBytes(engine), File.ReadAllBytes(assembled));

        var deploy = device.Commands.Single(c => c.BodyCase == Command.BodyOneofCase.Deploy).Deploy;
        Assert.Equal(ArtifactKind.Engine, deploy.Kind);
        Assert.Equal("fleet-test", deploy.SignatureKeyId);
        Assert.Equal(16u, deploy.Chunked.ChunkCount); // ceil(file / 65536)
        Assert.True(trusted.VerifyHash(SHA256.HashData(File.ReadAllBytes(engine)), deploy.Signature.Span));
        // Every chunk once: nothing was lost, so nothing is resent.
        Assert.Equal(16, device.Commands.Count(c => c.BodyCase == Command.BodyOneofCase.Chunk));
    }

    [Fact]
    public async Task A_device_restarted_mid_transfer_asks_for_the_missing_chunks_and_gets_only_those()
    {
        string id = FleetTestFiles.DeviceId("cam");
        string model = _files.Onnx(40 * 65536 + 123);
        string transfers = _files.Sub(id);
        var script = new DeviceScript { TransferDirectory = transfers, CrashAfterChunks = 15 };
        var first = await DeviceResponder.StartAsync(broker.Address, id, script);

        var deploying = DeployAsync(id, "--model", model, "--precision", "int8", "--model-id", "det");
        await first.Crashed.WaitAsync(TimeSpan.FromSeconds(15));
        var deployCommand = first.Commands.Single(c => c.BodyCase == Command.BodyOneofCase.Deploy);
        await first.DisposeAsync();

        await using var second = await DeviceResponder.StartAsync(broker.Address, id, script with { CrashAfterChunks = -1, ResumeDeploy = deployCommand });
        var result = await deploying;

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("device holds 15 of 41 chunks and asks for 26", result.Output);
        Assert.Equal(File.ReadAllBytes(model), File.ReadAllBytes(await second.Artifact));
        var resent = second.Commands.Where(c => c.BodyCase == Command.BodyOneofCase.Chunk).Select(c => (int)c.Chunk.Index).ToList();
        // Every missing chunk arrives and nothing the device already held is sent again. A missing chunk may
        // arrive twice: the sender's stream for the first device can still have been on the wire when the
        // restarted device asked, and the broker's persistent session delivers both (the device is idempotent).
        Assert.Equal(Enumerable.Range(15, 26), resent.Distinct().Order());
        Assert.Equal(Precision.Int8, deployCommand.Deploy.Precision.Precision);
        Assert.NotNull(deployCommand.Deploy.Precision.Calibration); // the device rejects INT8 without one
    }

    [Fact]
    public async Task A_rollback_on_the_device_is_exit_2_with_its_reason()
    {
        string id = FleetTestFiles.DeviceId("cam");
        await using var device = await DeviceResponder.StartAsync(broker.Address, id, new DeviceScript
        {
            TransferDirectory = _files.Sub(id), FinalState = CommandState.RolledBack, FinalReason = "p99 latency 1.5x baseline",
        });

        var result = await DeployAsync(id, "--engine", _files.Engine(100_000));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: device '{id}' rolled back engine-1 2: p99 latency 1.5x baseline", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task A_deploy_signed_with_another_key_is_rejected_with_the_devices_reason_and_sends_no_chunks()
    {
        string id = FleetTestFiles.DeviceId("cam");
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await using var device = await DeviceResponder.StartAsync(broker.Address, id, new DeviceScript { TransferDirectory = _files.Sub(id), TrustedKey = other });

        var result = await DeployAsync(id, "--engine", _files.Engine(100_000));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("rejected the deploy of engine-1 2: signature does not match the fleet key", Assert.Single(result.ErrorLines));
        Assert.DoesNotContain(device.Commands, c => c.BodyCase == Command.BodyOneofCase.Chunk);
    }

    [Fact]
    public async Task Malformed_replies_are_ignored_and_the_deploy_ends_with_exit_2_at_its_deadline()
    {
        string id = FleetTestFiles.DeviceId("cam");
        await using var device = await DeviceResponder.StartAsync(broker.Address, id, new DeviceScript { TransferDirectory = _files.Sub(id), Garbage = true });

        var clock = Stopwatch.StartNew();
        var result = await Task.Run(() => CliRunner.Run("fleet", "deploy", "--broker", broker.Uri, "--device", id, "--engine", _files.Engine(10_000),
            "--version", "2", "--sign-key", _files.PrivateKey, "--timeout", "2"));

        Assert.Equal(2, result.ExitCode);
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.9, 10);
        string line = Assert.Single(result.ErrorLines);
        Assert.Contains($"device '{id}' did not answer within 2 s", line);
        Assert.Contains("malformed message(s) from it were ignored", line);
    }

    [Fact]
    public async Task A_silent_offline_device_is_reported_as_such()
    {
        string id = FleetTestFiles.DeviceId("cam");
        var device = await DeviceResponder.StartAsync(broker.Address, id,
            new DeviceScript { TransferDirectory = _files.Sub(id), StatusState = Status.Types.State.Offline });
        await device.DisposeAsync(); // gone; only its retained status remains

        var result = await DeployAsync(id, "--engine", _files.Engine(10_000), "--timeout", "1.5");

        Assert.Equal(2, result.ExitCode);
        Assert.Matches($"^error: device '{id}' did not answer within 1.5 s \\(its last status: offline since .*\\)$", Assert.Single(result.ErrorLines));
    }

    public void Dispose() => _files.Dispose();
}
