using EdgeAgent.Agent.Deployment;
using EdgeAgent.Telemetry.Link;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeAgent.Agent.Service;

/// <summary>
/// Feeds validated commands from the device link to the deployment manager, one at a time and
/// in arrival order (chunks of a transfer must not race their own deploy).
/// </summary>
public sealed class CommandWorker(DeviceLink link, DeploymentManager deployments, ILogger<CommandWorker> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var command in link.Commands.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                log.LogDebug("command {Id}: {Body}", command.CommandId, command.BodyCase);
                try
                {
                    await deployments.HandleAsync(command, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One command that trips a bug must not stop the device from taking the next.
                    log.LogError(e, "command {Id} ({Body}) failed unexpectedly", command.CommandId, command.BodyCase);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await deployments.StopAsync().ConfigureAwait(false);
    }
}
