using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Tests.Infrastructure;

namespace EdgeAgent.Telemetry.Tests.Mqtt;

internal static class MqttTestClients
{
    public static MqttClientOptions Options(MosquittoBroker broker, string? clientId = null) => new()
    {
        Broker = broker.Address,
        ClientId = clientId ?? Timeouts.UniqueId("t"),
        KeepAliveSeconds = 10,
        ReconnectDelayMin = TimeSpan.FromMilliseconds(100),
        ReconnectDelayMax = TimeSpan.FromSeconds(1),
    };

    public static async Task<ReconnectingMqttClient> ConnectedAsync(MqttClientOptions options, CancellationToken cancellationToken)
    {
        var client = new ReconnectingMqttClient(options);
        try
        {
            await client.ConnectAsync(cancellationToken);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    public static async Task<MqttMessage> NextAsync(this IMqttClient client, string topic, CancellationToken cancellationToken)
    {
        while (true)
        {
            var message = await client.Messages.ReadAsync(cancellationToken);
            if (message.Topic == topic) return message;
        }
    }
}
