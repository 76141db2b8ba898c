using EdgeAgent.Agent.Deployment;
using EdgeAgent.Telemetry.Link;
using EdgeAgent.Telemetry.Mqtt;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeAgent.Agent.Service;

/// <summary>
/// Connects the device to the fleet and, first of all, brings the engine up: store recovery,
/// rollback of uncommitted deployments, the active engine (or the configured model on first
/// start). Registered first, so the other workers start with an engine in the slot. Stopped
/// last: the OFFLINE status goes out after the pipeline has stopped.
/// </summary>
public sealed class LinkService(DeviceLink link, ReconnectingMqttClient client, DeploymentManager deployments, IHostApplicationLifetime lifetime,
    ILogger<LinkService> log) : IHostedService
{
    private int _connected;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        link.DescribeStatus = deployments.DescribeStatus;
        client.ConnectionChanged += OnConnectionChanged;
        await deployments.StartAsync(cancellationToken, lifetime.ApplicationStopping).ConfigureAwait(false);
        log.LogInformation("connecting to {Broker}", client.Broker);
        link.Start();
    }

    private void OnConnectionChanged(MqttConnectionChange change)
    {
        if (change.State == MqttConnectionState.Connected)
        {
            Volatile.Write(ref _connected, 1);
            log.LogInformation("connected to {Broker}", client.Broker);
            // Off the network thread: handlers there must not block.
            _ = Task.Run(deployments.OnReconnected);
        }
        else if (change.State == MqttConnectionState.Disconnected && Interlocked.Exchange(ref _connected, 0) == 1)
        {
            log.LogWarning("broker connection lost ({Reason}); reconnecting", change.Reason ?? client.LastError);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        client.ConnectionChanged -= OnConnectionChanged;
        await link.StopAsync(cancellationToken).ConfigureAwait(false);
    }
}
