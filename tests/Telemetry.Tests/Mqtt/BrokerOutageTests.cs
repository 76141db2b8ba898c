using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Tests.Infrastructure;

namespace EdgeAgent.Telemetry.Tests.Mqtt;

public sealed class ReconnectTests
{
    [Fact]
    public async Task ClientReconnectsAfterBrokerRestartAndRenewsItsSubscriptions()
    {
        var ct = Timeouts.Token(40);
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: ct);
        var topic = Timeouts.UniqueId("re");
        var changes = new List<MqttConnectionState>();
        await using var subscriber = new ReconnectingMqttClient(MqttTestClients.Options(broker));
        subscriber.ConnectionChanged += c => { lock (changes) changes.Add(c.State); };
        await subscriber.ConnectAsync(ct);
        await subscriber.SubscribeAsync(topic, MqttQos.AtLeastOnce, ct);

        await broker.StopAsync();
        await WaitUntil(() => subscriber.State != MqttConnectionState.Connected, ct);
        Assert.NotNull(subscriber.LastError);
        await broker.StartAsync(ct);
        await subscriber.WaitUntilConnectedAsync(ct);

        await using var publisher = await MqttTestClients.ConnectedAsync(MqttTestClients.Options(broker), ct);
        // The renewed SUBSCRIBE races this publish; retry until the broker routes it.
        var read = subscriber.NextAsync(topic, ct);
        while (!read.IsCompleted)
        {
            await publisher.PublishAsync(topic, new byte[] { 7 }, MqttQos.AtLeastOnce, false, ct);
            await Task.WhenAny(read, Task.Delay(100, ct));
        }
        Assert.Equal([7], (await read).Payload);
        lock (changes) Assert.Equal(2, changes.Count(s => s == MqttConnectionState.Connected));
    }

    [Fact]
    public async Task ConnectToAbsentBrokerKeepsRetryingUntilCancelled()
    {
        var options = new MqttClientOptions
        {
            Broker = new BrokerAddress("127.0.0.1", MosquittoBroker.FreeLoopbackPort(), false),
            ClientId = Timeouts.UniqueId("absent"),
            ReconnectDelayMin = TimeSpan.FromMilliseconds(50),
            ReconnectDelayMax = TimeSpan.FromMilliseconds(200),
        };
        await using var client = new ReconnectingMqttClient(options);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ConnectAsync(Timeouts.Token(1.5)));
        Assert.Contains("cannot reach", client.LastError);
        Assert.NotEqual(MqttConnectionState.Connected, client.State);
    }

    internal static async Task WaitUntil(Func<bool> condition, CancellationToken ct)
    {
        while (!condition()) await Task.Delay(20, ct);
    }
}
