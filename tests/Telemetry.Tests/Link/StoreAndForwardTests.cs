using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Tests.Infrastructure;
using EdgeAgent.Telemetry.Tests.Mqtt;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Tests.Link;

public sealed class StoreAndForwardTests
{
    [Fact]
    public async Task ThousandRecordsProducedDuringATenSecondBrokerOutageAllArriveInOrderWithoutGaps()
    {
        var ct = Timeouts.Token(90);
        await using var broker = await MosquittoBroker.StartAsync(new BrokerSettings { Persistence = true }, ct);
        var deviceId = Timeouts.UniqueId("outage");
        var topic = $"edgeagent/{deviceId}/telemetry";

        // The fleet side keeps a persistent session, so the broker queues for it across its own restart.
        var fleetOptions = MqttTestClients.Options(broker, Timeouts.UniqueId("fleet")) with { CleanSession = false, SessionExpirySeconds = 600 };
        await using var fleet = await MqttTestClients.ConnectedAsync(fleetOptions, ct);
        await fleet.SubscribeAsync(topic, MqttQos.AtLeastOnce, ct);
        await using var device = LinkHarness.Start(broker, deviceId, PayloadFormat.Protobuf);
        await device.Client.WaitUntilConnectedAsync(ct);

        await broker.StopAsync();
        var producing = Task.Run(async () =>
        {
            for (int i = 0; i < 1000; i++)
            {
                device.Link.Enqueue(new EdgeAgent.Telemetry.Wire.Telemetry { WindowMs = (uint)i });
                await Task.Delay(10, ct);
            }
        }, ct);
        await Task.WhenAll(producing, Task.Delay(TimeSpan.FromSeconds(10), ct));
        Assert.NotEqual(MqttConnectionState.Connected, device.Client.State);
        Assert.Equal(1000, device.Outbox.Stats.Pending);
        await broker.StartAsync(ct);

        var seen = new List<ulong>();
        int duplicates = 0;
        while (seen.Count < 1000)
        {
            var message = await fleet.NextAsync(topic, ct);
            var telemetry = EdgeAgent.Telemetry.Wire.Telemetry.Parser.ParseFrom(message.Payload);
            if (seen.Count > 0 && telemetry.Header.Seq <= seen[^1])
            {
                duplicates++; // at-least-once: a resend after reconnect is allowed, reordering is not
                continue;
            }
            Assert.Equal((ulong)seen.Count + 1, telemetry.Header.Seq);
            Assert.Equal((uint)seen.Count, telemetry.WindowMs);
            Assert.Equal(0UL, telemetry.Header.DroppedBefore);
            seen.Add(telemetry.Header.Seq);
        }
        Assert.True(duplicates < 100, $"{duplicates} duplicates");
        await ReconnectTests.WaitUntil(() => device.Outbox.Stats.Pending == 0, ct);
    }

    [Theory]
    [InlineData("single")]
    [InlineData("batch")]
    public async Task RecordsWrittenBeforeAProcessKillAreDeliveredAfterRestart(string appends)
    {
        var ct = Timeouts.Token(60);
        var outboxDir = Directory.CreateTempSubdirectory("edgeagent-crash-").FullName;
        await using (var child = await ChildProcess.StartAsync("APPENDED", ct, "outbox-append", outboxDir, "200", appends))
            await child.KillAsync();

        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: ct);
        var deviceId = Timeouts.UniqueId("restart");
        var topic = $"edgeagent/{deviceId}/telemetry";
        await using var fleet = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(broker), ct);
        await fleet.SubscribeAsync(topic, MqttQos.AtLeastOnce, ct);

        await using var device = LinkHarness.Start(broker, deviceId, PayloadFormat.Protobuf, outboxDir);
        Assert.Equal(200, device.Outbox.Stats.Pending);
        for (uint i = 0; i < 200; i++)
        {
            var telemetry = EdgeAgent.Telemetry.Wire.Telemetry.Parser.ParseFrom((await fleet.NextAsync(topic, ct)).Payload);
            Assert.Equal(i, telemetry.WindowMs);
            Assert.Equal(i + 1UL, telemetry.Header.Seq);
        }
    }
}
