using System.Text;
using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Tests.Infrastructure;

namespace EdgeAgent.Telemetry.Tests.Mqtt;

public sealed class ReconnectingMqttClientTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    private MosquittoBroker Broker => fixture.Broker;

    [Theory]
    [InlineData(MqttQos.AtMostOnce, MqttProtocol.Auto)]
    [InlineData(MqttQos.AtLeastOnce, MqttProtocol.Auto)]
    [InlineData(MqttQos.AtLeastOnce, MqttProtocol.V311)]
    public async Task PublishedBytesArriveUnchangedOnTheSubscribedTopic(MqttQos qos, MqttProtocol protocol)
    {
        var ct = Timeouts.Token(15);
        var topic = Timeouts.UniqueId("rt") + "/data";
        await using var subscriber = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker) with { Protocol = protocol }, ct);
        await subscriber.SubscribeAsync(topic, MqttQos.AtLeastOnce, ct);
        await using var publisher = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker) with { Protocol = protocol }, ct);

        byte[] payload = [0, 1, 2, 255, 0x7f, 0x80];
        await publisher.PublishAsync(topic, payload, qos, retain: false, ct);
        var received = await subscriber.NextAsync(topic, ct);

        Assert.Equal(payload, received.Payload);
        Assert.False(received.Retained);
        Assert.Equal(qos, received.Qos);
    }

    [Fact]
    public async Task ManyQos1MessagesArriveInPublishOrder()
    {
        var ct = Timeouts.Token(30);
        var topic = Timeouts.UniqueId("order");
        await using var subscriber = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker), ct);
        await subscriber.SubscribeAsync(topic, MqttQos.AtLeastOnce, ct);
        await using var publisher = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker), ct);

        var sends = Enumerable.Range(0, 500)
            .Select(i => publisher.PublishAsync(topic, BitConverter.GetBytes(i), MqttQos.AtLeastOnce, false, ct)).ToArray();
        await Task.WhenAll(sends);
        for (int i = 0; i < 500; i++)
            Assert.Equal(i, BitConverter.ToInt32((await subscriber.NextAsync(topic, ct)).Payload));
        Assert.Equal(0, publisher.PendingPublishes);
    }

    [Fact]
    public async Task RetainedMessageReachesLateSubscriberMarkedRetained()
    {
        var ct = Timeouts.Token(15);
        var topic = Timeouts.UniqueId("ret") + "/status";
        await using (var publisher = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker), ct))
            await publisher.PublishAsync(topic, "online"u8.ToArray(), MqttQos.AtLeastOnce, retain: true, ct);

        await using var late = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker), ct);
        await late.SubscribeAsync(topic, MqttQos.AtLeastOnce, ct);
        var received = await late.NextAsync(topic, ct);
        Assert.Equal("online", Encoding.UTF8.GetString(received.Payload));
        Assert.True(received.Retained);
    }

    [Fact]
    public async Task LastWillIsPublishedWhenTheClientProcessIsKilled()
    {
        var ct = Timeouts.Token(40);
        var topic = Timeouts.UniqueId("lwt") + "/status";
        await using var watcher = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker), ct);
        await watcher.SubscribeAsync(topic, MqttQos.AtLeastOnce, ct);

        await using var child = await ChildProcess.StartAsync("READY", ct, "lwt", "127.0.0.1", Broker.Port.ToString(), Timeouts.UniqueId("dev"), topic);
        Assert.Equal("online", Encoding.UTF8.GetString((await watcher.NextAsync(topic, ct)).Payload));
        await child.KillAsync();

        Assert.Equal("offline", Encoding.UTF8.GetString((await watcher.NextAsync(topic, ct)).Payload));
        // The will was retained: a dashboard that connects later still sees the device offline.
        await using var late = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker), ct);
        await late.SubscribeAsync(topic, MqttQos.AtLeastOnce, ct);
        var retained = await late.NextAsync(topic, ct);
        Assert.True(retained.Retained);
        Assert.Equal("offline", Encoding.UTF8.GetString(retained.Payload));
    }

    [Fact]
    public async Task CleanDisconnectDoesNotPublishTheWill()
    {
        var ct = Timeouts.Token(15);
        var topic = Timeouts.UniqueId("nowill");
        await using var watcher = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker), ct);
        await watcher.SubscribeAsync(topic, MqttQos.AtLeastOnce, ct);
        var options = MqttTestClients.Options(Broker) with { Will = new MqttWill(topic, "offline"u8.ToArray(), Retain: false) };
        var client = await MqttTestClients.ConnectedAsync(options, ct);
        await client.DisconnectAsync(ct);
        Assert.Equal(MqttConnectionState.Disposed, client.State);

        await using var probe = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker), ct);
        await probe.PublishAsync(topic, "marker"u8.ToArray(), MqttQos.AtLeastOnce, false, ct);
        Assert.Equal("marker", Encoding.UTF8.GetString((await watcher.NextAsync(topic, ct)).Payload));
    }

    [Fact]
    public async Task PersistentSessionKeepsQos1MessagesForAnOfflineSubscriber()
    {
        var ct = Timeouts.Token(20);
        var topic = Timeouts.UniqueId("sess");
        var id = Timeouts.UniqueId("persist");
        var options = MqttTestClients.Options(Broker, id) with { CleanSession = false, SessionExpirySeconds = 60 };
        await using (var first = await MqttTestClients.ConnectedAsync(options, ct))
            await first.SubscribeAsync(topic, MqttQos.AtLeastOnce, ct);

        await using (var publisher = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker), ct))
            await publisher.PublishAsync(topic, "while-away"u8.ToArray(), MqttQos.AtLeastOnce, false, ct);

        var sessions = new List<MqttConnectionChange>();
        await using var again = new ReconnectingMqttClient(options);
        again.ConnectionChanged += sessions.Add;
        await again.ConnectAsync(ct);
        Assert.Equal("while-away", Encoding.UTF8.GetString((await again.NextAsync(topic, ct)).Payload));
        Assert.Contains(sessions, c => c.State == MqttConnectionState.Connected && c.SessionPresent);
    }

    [Fact]
    public async Task PublishWithoutConnectionFailsFastAndSubscribeWaitsForTheConnection()
    {
        var ct = Timeouts.Token(15);
        await using var client = new ReconnectingMqttClient(MqttTestClients.Options(Broker));
        foreach (var qos in new[] { MqttQos.AtMostOnce, MqttQos.AtLeastOnce })
        {
            var error = await Assert.ThrowsAsync<MqttNotConnectedException>(() =>
                client.PublishAsync("x/y", new byte[] { 1 }, qos, false, ct));
            Assert.Contains("x/y", error.Message);
        }

        var topic = Timeouts.UniqueId("early");
        var subscribing = client.SubscribeAsync(topic, MqttQos.AtLeastOnce, ct);
        Assert.False(subscribing.IsCompleted);
        await client.ConnectAsync(ct);
        await subscribing;
        await using var publisher = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker), ct);
        var read = client.NextAsync(topic, ct);
        while (!read.IsCompleted)
        {
            await publisher.PublishAsync(topic, new byte[] { 42 }, MqttQos.AtLeastOnce, false, ct);
            await Task.WhenAny(read, Task.Delay(50, ct));
        }
        Assert.Equal([42], (await read).Payload);
    }

    [Fact]
    public async Task DisposeFailsOutstandingWorkInsteadOfHanging()
    {
        var ct = Timeouts.Token(15);
        var client = new ReconnectingMqttClient(MqttTestClients.Options(Broker));
        var pending = client.SubscribeAsync("never/subscribed", MqttQos.AtLeastOnce, ct);
        var waiting = client.WaitUntilConnectedAsync(ct);
        await client.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.PublishAsync("a", new byte[] { 1 }, MqttQos.AtMostOnce, false, ct));
    }

    [Fact]
    public async Task AutoFallsBackTo311WhenTheBrokerRefusesMqtt5AndV5OnlyDoesNot()
    {
        await using var old = new Mqtt311OnlyBroker();
        var address = new BrokerAddress("127.0.0.1", old.Port, false);
        await using (var auto = new ReconnectingMqttClient(new MqttClientOptions { Broker = address, ClientId = Timeouts.UniqueId("fb") }))
        {
            await auto.ConnectAsync(Timeouts.Token(10));
            Assert.Equal(MqttProtocol.V311, auto.NegotiatedProtocol);
        }
        Assert.Equal([5, 4], old.RequestedLevels);

        await using var strict = new ReconnectingMqttClient(new MqttClientOptions
        {
            Broker = address, ClientId = Timeouts.UniqueId("v5"), Protocol = MqttProtocol.V5,
            ReconnectDelayMin = TimeSpan.FromMilliseconds(50), ReconnectDelayMax = TimeSpan.FromMilliseconds(100),
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => strict.ConnectAsync(Timeouts.Token(1)));
        Assert.Contains("unacceptable protocol version", strict.LastError);
        Assert.DoesNotContain(4, old.RequestedLevels.Skip(2));
    }

    [Fact]
    public async Task PropertiesTravelOnMqtt5AndAreDroppedOn311()
    {
        var ct = Timeouts.Token(15);
        var topic = Timeouts.UniqueId("props");
        await using var v5 = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker), ct);
        await v5.SubscribeAsync(topic, MqttQos.AtLeastOnce, ct);
        var properties = new MqttPublishProperties
        {
            ContentType = "application/json", ResponseTopic = topic + "/reply", CorrelationData = [1, 2, 3],
            UserProperties = [KeyValuePair.Create("k", "v")],
        };
        await using (var publisher = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker), ct))
            await publisher.PublishAsync(topic, "{}"u8.ToArray(), MqttQos.AtLeastOnce, false, properties, ct);
        var received = await v5.NextAsync(topic, ct);
        Assert.Equal("application/json", received.Properties?.ContentType);
        Assert.Equal(topic + "/reply", received.Properties?.ResponseTopic);
        Assert.Equal([1, 2, 3], received.Properties?.CorrelationData);
        Assert.Equal("v", received.Properties?.UserProperty("k"));

        await using (var old = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(Broker) with { Protocol = MqttProtocol.V311 }, ct))
            await old.PublishAsync(topic, "{}"u8.ToArray(), MqttQos.AtLeastOnce, false, properties, ct);
        Assert.Null((await v5.NextAsync(topic, ct)).Properties);
    }

    [Fact]
    public async Task InvalidTopicFilterIsRejectedBeforeReachingTheBroker()
    {
        await using var client = new ReconnectingMqttClient(MqttTestClients.Options(Broker));
        await Assert.ThrowsAsync<ArgumentException>(() => client.SubscribeAsync("a/#/b", MqttQos.AtLeastOnce, Timeouts.Token(5)));
    }
}
