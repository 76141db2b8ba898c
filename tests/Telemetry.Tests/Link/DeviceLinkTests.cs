using Google.Protobuf;
using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Tests.Infrastructure;
using EdgeAgent.Telemetry.Tests.Mqtt;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Tests.Link;

public sealed class DeviceLinkTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    private MosquittoBroker Broker => fixture.Broker;

    [Theory]
    [InlineData(PayloadFormat.Protobuf)]
    [InlineData(PayloadFormat.Json)]
    public async Task TelemetryAndStatusRoundTripInBothPayloadFormats(PayloadFormat format)
    {
        var ct = Timeouts.Token(20);
        var deviceId = Timeouts.UniqueId("dev");
        await using var watcher = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker), ct);
        await watcher.SubscribeAsync($"edgeagent/{deviceId}/#", MqttQos.AtLeastOnce, ct);

        var sent = EdgeAgent.Telemetry.Tests.Wire.WireSamples.Telemetry();
        sent.Header = null;
        await using (var device = LinkHarness.Start(Broker, deviceId, format))
        {
            var status = await watcher.NextAsync($"edgeagent/{deviceId}/status", ct);
            Assert.Equal(format, WireCodec.Detect(status.Payload));
            Assert.True(WireCodec.TryDecode(status.Payload, Status.Parser, out Status online, out var error), error);
            Assert.Equal(Status.Types.State.Online, online.State);
            Assert.Equal(format.Name(), online.PayloadFormat);

            Assert.Equal(1UL, device.Link.Enqueue(sent.Clone()));
            Assert.Equal(2UL, device.Link.Enqueue(sent.Clone()));
            for (ulong seq = 1; seq <= 2; seq++)
            {
                var message = await watcher.NextAsync($"edgeagent/{deviceId}/telemetry", ct);
                Assert.Equal(format, WireCodec.Detect(message.Payload));
                Assert.True(WireCodec.TryDecode(message.Payload, EdgeAgent.Telemetry.Wire.Telemetry.Parser, out EdgeAgent.Telemetry.Wire.Telemetry received, out error), error);
                Assert.Equal(seq, received.Header.Seq);
                Assert.Equal(deviceId, received.Header.DeviceId);
                Assert.Equal(Contract.SchemaVersion, received.Header.SchemaVersion);
                Assert.NotNull(received.Header.Time);
                received.Header = null;
                Assert.Equal(sent, received);
            }
        }
        // A clean stop announces OFFLINE itself (retained).
        var offline = await watcher.NextAsync($"edgeagent/{deviceId}/status", ct);
        Assert.True(WireCodec.TryDecode(offline.Payload, Status.Parser, out Status last, out _));
        Assert.Equal(Status.Types.State.Offline, last.State);
    }

    [Fact]
    public async Task Mqtt5SubscribersSeeContentTypeFormatAndTelemetryExpiryAnd311SubscribersTheSamePayload()
    {
        var ct = Timeouts.Token(20);
        var deviceId = Timeouts.UniqueId("props");
        await using var v5 = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker) with { Protocol = MqttProtocol.V5 }, ct);
        await using var v311 = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker) with { Protocol = MqttProtocol.V311 }, ct);
        Assert.Equal(MqttProtocol.V5, v5.NegotiatedProtocol);
        Assert.Equal(MqttProtocol.V311, v311.NegotiatedProtocol);
        foreach (var watcher in new[] { v5, v311 }) await watcher.SubscribeAsync($"edgeagent/{deviceId}/#", MqttQos.AtLeastOnce, ct);

        await using var device = LinkHarness.Start(Broker, deviceId, PayloadFormat.Json);
        Assert.Equal(MqttProtocol.V5, device.Client.NegotiatedProtocol);
        var sent = EdgeAgent.Telemetry.Tests.Wire.WireSamples.Telemetry();
        device.Link.Enqueue(sent);
        device.Link.Enqueue(new Event { Kind = "test" });

        var telemetry = await v5.NextAsync($"edgeagent/{deviceId}/telemetry", ct);
        Assert.NotNull(telemetry.Properties);
        Assert.Equal("application/json", telemetry.Properties.ContentType);
        Assert.Equal("json", telemetry.Properties.UserProperty("payload-format"));
        Assert.Equal(Contract.SchemaVersion.ToString(), telemetry.Properties.UserProperty("schema-version"));
        // The broker forwards the time left, which is at most what the device set.
        Assert.InRange(telemetry.Properties.MessageExpirySeconds, 3500u, 3600u);
        var @event = await v5.NextAsync($"edgeagent/{deviceId}/events", ct);
        Assert.Equal(0u, @event.Properties!.MessageExpirySeconds);
        Assert.Equal("application/json", @event.Properties.ContentType);

        var plain = await v311.NextAsync($"edgeagent/{deviceId}/telemetry", ct);
        Assert.Null(plain.Properties);
        Assert.Equal(telemetry.Payload, plain.Payload);
    }

    [Fact]
    public async Task ValidCommandsReachTheAgentAndMalformedOnesAreAnsweredRejected()
    {
        var ct = Timeouts.Token(20);
        var deviceId = Timeouts.UniqueId("cmd");
        await using var fleet = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker), ct);
        await fleet.SubscribeAsync($"edgeagent/{deviceId}/reply", MqttQos.AtLeastOnce, ct);
        await using var device = LinkHarness.Start(Broker, deviceId, PayloadFormat.Json);
        await device.Client.WaitUntilConnectedAsync(ct);
        var cmdTopic = device.Link.Topics.Commands;

        // The device subscribes right after connecting; retry the first command until it is routed.
        var ping = new Command { CommandId = "p-1", Ping = new Ping { Nonce = ByteString.CopyFromUtf8("hi") } };
        var received = device.Link.Commands.ReadAsync(ct).AsTask();
        while (!received.IsCompleted)
        {
            await fleet.PublishAsync(cmdTopic, WireCodec.Encode(ping, PayloadFormat.Protobuf), MqttQos.AtLeastOnce, false, ct);
            await Task.WhenAny(received, Task.Delay(100, ct));
        }
        Assert.Equal("p-1", (await received).CommandId);
        while (device.Link.Commands.TryRead(out _)) { }

        await fleet.PublishAsync(cmdTopic, "{\"commandId\": \"x\", "u8.ToArray(), MqttQos.AtLeastOnce, false, ct);
        var reply1 = await NextReply(fleet, deviceId, ct);
        Assert.Equal(CommandState.Rejected, reply1.State);
        Assert.Contains("malformed", reply1.Reason);

        var unsigned = EdgeAgent.Telemetry.Tests.Wire.WireSamples.Deploy();
        unsigned.CommandId = "d-7";
        unsigned.Deploy.Signature = ByteString.Empty;
        await fleet.PublishAsync(cmdTopic, WireCodec.Encode(unsigned, PayloadFormat.Json), MqttQos.AtLeastOnce, false, ct);
        var reply2 = await NextReply(fleet, deviceId, ct);
        Assert.Equal("d-7", reply2.CommandId);
        Assert.Equal(CommandState.Rejected, reply2.State);
        Assert.Contains("signature", reply2.Reason);
        Assert.Equal(2, device.Link.RejectedCommands);
        Assert.False(device.Link.Commands.TryRead(out _));
    }

    private static async Task<Reply> NextReply(IMqttClient fleet, string deviceId, CancellationToken ct)
    {
        var message = await fleet.NextAsync($"edgeagent/{deviceId}/reply", ct);
        Assert.True(WireCodec.TryDecode(message.Payload, Reply.Parser, out Reply reply, out var error), error);
        return reply;
    }
}
