using System.Text;
using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Tests.Infrastructure;

namespace EdgeAgent.Telemetry.Tests.Mqtt;

public sealed class MosquittoClientTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
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
        await using var again = new MosquittoClient(options);
        again.ConnectionChanged += sessions.Add;
        await again.ConnectAsync(ct);
        Assert.Equal("while-away", Encoding.UTF8.GetString((await again.NextAsync(topic, ct)).Payload));
        Assert.Contains(sessions, c => c.State == MqttConnectionState.Connected && c.SessionPresent);
    }

    [Fact]
    public async Task PublishWithoutConnectionFailsFastAndSubscribeWaitsForTheConnection()
    {
        var ct = Timeouts.Token(15);
        await using var client = new MosquittoClient(MqttTestClients.Options(Broker));
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
        var client = new MosquittoClient(MqttTestClients.Options(Broker));
        var pending = client.SubscribeAsync("never/subscribed", MqttQos.AtLeastOnce, ct);
        var waiting = client.WaitUntilConnectedAsync(ct);
        await client.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.PublishAsync("a", new byte[] { 1 }, MqttQos.AtMostOnce, false, ct));
    }

    [Fact]
    public async Task InvalidTopicFilterIsRejectedBeforeReachingTheBroker()
    {
        await using var client = new MosquittoClient(MqttTestClients.Options(Broker));
        await Assert.ThrowsAsync<ArgumentException>(() => client.SubscribeAsync("a/#/b", MqttQos.AtLeastOnce, Timeouts.Token(5)));
    }
}
