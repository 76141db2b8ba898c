using EdgeAgent.Telemetry.Link;
using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Outbox;
using EdgeAgent.Telemetry.Tests.Infrastructure;
using EdgeAgent.Telemetry.Tests.Mqtt;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Tests.Link;

/// <summary>A device (client + outbox + link) wired to a test broker, cleaned up as one.</summary>
internal sealed class LinkHarness : IAsyncDisposable
{
    private LinkHarness(ReconnectingMqttClient client, DiskOutbox outbox, DeviceLink link, string outboxDir)
    {
        Client = client;
        Outbox = outbox;
        Link = link;
        OutboxDir = outboxDir;
    }

    public ReconnectingMqttClient Client { get; }
    public DiskOutbox Outbox { get; }
    public DeviceLink Link { get; }
    public string OutboxDir { get; }

    public static LinkHarness Start(MosquittoBroker broker, string deviceId, PayloadFormat format, string? outboxDir = null)
    {
        outboxDir ??= Directory.CreateTempSubdirectory("edgeagent-link-").FullName;
        var linkOptions = new DeviceLinkOptions { DeviceId = deviceId, PayloadFormat = format, AgentVersion = "test" };
        var client = new ReconnectingMqttClient(MqttTestClients.Options(broker, deviceId) with { Will = DeviceLink.CreateWill(linkOptions) });
        var outbox = DiskOutbox.Open(new OutboxOptions { Directory = outboxDir });
        var link = new DeviceLink(linkOptions, client, outbox);
        link.Start();
        return new LinkHarness(client, outbox, link, outboxDir);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Link.StopAsync(timeout.Token);
        await Link.DisposeAsync();
        await Client.DisposeAsync();
        Outbox.Dispose();
    }
}
