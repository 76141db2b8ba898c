using System.Text;
using EdgeAgent.Telemetry.Wire;
using Google.Protobuf;

namespace EdgeAgent.Agent.Tests.EndToEnd;

/// <summary>Malformed payloads get a one-line REJECTED and never crash the agent; the small commands do what they say.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class CommandHandlingTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task MalformedCommandsAreRejectedInOneLineAndTheAgentKeepsAnswering()
    {
        await using var device = await DeviceUnderTest.CreateAsync();
        string jsonl = Path.Combine(device.Root, "results.jsonl");
        device.Config["Pipeline"] = new System.Text.Json.Nodes.JsonObject { ["ResultsJsonl"] = jsonl };
        await device.StartAgentAsync();
        var fleet = device.Fleet;

        await fleet.PublishAsync([0xff, 0xff, 0xff, 0x01, 0x02]);
        await fleet.PublishAsync(Encoding.UTF8.GetBytes("{\"commandId\": 5, \"ping\": \"x\""));
        await fleet.PublishAsync(new Command { CommandId = "no-body" }.ToByteArray());
        await fleet.SendAsync(new Command { CommandId = "bad-chunk", Chunk = new ArtifactChunk { DeployCommandId = "nothing", Index = 0, Data = ByteString.CopyFrom(1, 2, 3), Crc32C = Crc32C.Compute([1, 2, 3]) } });
        await fleet.SendAsync(new Command { CommandId = "rb-1", Rollback = new Rollback { Reason = "test" } });

        await fleet.WaitAsync(f => f.Replies.Count(r => r.CommandId.Length == 0 && r.State == CommandState.Rejected) >= 2 ? "" : null, Long, "two rejections of undecodable payloads");
        foreach (var r in fleet.Replies.Where(r => r.State == CommandState.Rejected))
        {
            Assert.False(string.IsNullOrWhiteSpace(r.Reason));
            Assert.DoesNotContain('\n', r.Reason);
        }
        Assert.Contains("no body", (await fleet.WaitForReplyAsync("no-body", Long, device.AgentOutput, CommandState.Rejected)).Reason);
        Assert.Contains("unknown deploy", (await fleet.WaitForReplyAsync("bad-chunk", Long, device.AgentOutput, CommandState.Rejected)).Reason);
        Assert.Contains("no previous version", (await fleet.WaitForReplyAsync("rb-1", Long, device.AgentOutput, CommandState.Rejected)).Reason);

        // Still alive and answering.
        await fleet.SendAsync(new Command { CommandId = "p-1", Ping = new Ping { Nonce = ByteString.CopyFromUtf8("hi") } });
        var pong = await fleet.WaitForReplyAsync("p-1", Long, device.AgentOutput, CommandState.Completed);
        Assert.Equal("hi", pong.Pong.Nonce.ToStringUtf8());
        await fleet.SendAsync(new Command { CommandId = "s-1", GetStatus = new GetStatus() });
        var status = await fleet.WaitForReplyAsync("s-1", Long, device.AgentOutput, CommandState.Completed);
        Assert.Equal("1", status.Status.Engine.ModelVersion);
        Assert.Equal(Status.Types.State.Online, status.Status.State);
        Assert.Equal("cpu", status.Status.Engine.Backend);
        Assert.False(device.Agent.HasExited);

        // Results also went to the local JSON-lines file, one result per line.
        using var reader = new StreamReader(new FileStream(jsonl, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        var first = Result.Parser.WithDiscardUnknownFields(true).ParseJson(reader.ReadLine()!);
        Assert.Equal("test-cam", first.Source);
        Assert.Equal(2, first.Classification.Top.Count);
    }

    [Fact]
    public async Task SetConfigAcceptsOnlyWhitelistedKeysAndKeepsThemAcrossRestarts()
    {
        await using var device = await DeviceUnderTest.CreateAsync();
        await device.StartAgentAsync();
        var fleet = device.Fleet;

        var refused = new Command { CommandId = "c-bad", SetConfig = new SetConfig() };
        refused.SetConfig.Values.Add("Mqtt:Broker", "mqtt://elsewhere:1883");
        await fleet.SendAsync(refused);
        var rejected = await fleet.WaitForReplyAsync("c-bad", Long, device.AgentOutput, CommandState.Rejected, CommandState.Completed);
        Assert.Equal(CommandState.Rejected, rejected.State);
        Assert.Contains("Mqtt:Broker", rejected.Reason);

        var outOfRange = new Command { CommandId = "c-range", SetConfig = new SetConfig() };
        outOfRange.SetConfig.Values.Add("Telemetry:IntervalSeconds", "-3");
        await fleet.SendAsync(outOfRange);
        Assert.Equal(CommandState.Rejected, (await fleet.WaitForReplyAsync("c-range", Long, device.AgentOutput, CommandState.Rejected, CommandState.Completed)).State);

        var accepted = new Command { CommandId = "c-ok", SetConfig = new SetConfig() };
        accepted.SetConfig.Values.Add("Pipeline:ResultsEveryNthFrame", "0");
        await fleet.SendAsync(accepted);
        Assert.Equal(CommandState.Completed, (await fleet.WaitForReplyAsync("c-ok", Long, device.AgentOutput, CommandState.Rejected, CommandState.Completed)).State);

        // Results stop (every 0th frame = none) while telemetry goes on; the override survives a restart.
        await Task.Delay(1500);
        int results = fleet.Results.Count;
        await Task.Delay(2000);
        Assert.Equal(results, fleet.Results.Count);
        await device.CrashAndRestartAsync();
        var restarted = DateTimeOffset.UtcNow;
        await fleet.WaitAsync(f => f.Telemetry.Skip(1).LastOrDefault(t => t.Pipeline.Frames > 0 && t.Header.Time.ToDateTimeOffset() > restarted), Long, "telemetry after restart");
        Assert.DoesNotContain(fleet.Results, r => r.Header.Time.ToDateTimeOffset() > restarted);
        Assert.Contains("ResultsEveryNthFrame", File.ReadAllText(Path.Combine(device.StateDirectory, "config-overrides.json")));
    }
}
