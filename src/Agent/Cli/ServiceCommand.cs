using System.CommandLine;
using EdgeAgent.Agent.Hosting;

namespace EdgeAgent.Agent.Cli;

/// <summary><c>edgeagent run --config FILE</c>: the device service (camera → engine → results, fleet commands, deployments).</summary>
public static class ServiceCommand
{
    public static Command Build()
    {
        var config = new Option<string>("--config", "-c") { Description = "Agent configuration file (JSON; see config/agent.json)", Required = true };
        var command = new Command("run", "Run the agent service: live inference, telemetry and over-the-air deployments") { config };
        command.SetAction((parse, cancellationToken) =>
            AgentHost.RunAsync(parse.GetValue(config)!, parse.GetValue(CommandLine.Verbose), cancellationToken));
        return command;
    }
}
