using System.CommandLine;
using EdgeAgent.Agent.Fleet;
using EdgeAgent.Telemetry.Wire;
using Command = System.CommandLine.Command;

namespace EdgeAgent.Agent.Cli;

/// <summary><c>edgeagent fleet rollback --device ID</c>: return a device to its previous (or a named) engine.</summary>
public static class FleetRollbackCommand
{
    public static Command Build(TextWriter output)
    {
        var device = new Option<string>("--device", "-d") { Description = "Device id", Required = true };
        var toVersion = new Option<string?>("--to-version") { Description = "Version still on the device to return to (default: the previously committed one)" };
        var reason = new Option<string?>("--reason") { Description = "Why, for the device's log and events" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the device to finish", DefaultValueFactory = _ => 120 };
        var command = new Command("rollback", "Return a device to its previous engine") { device, toVersion, reason, timeout };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var connection = FleetCommands.Connection(parse, output);
            string deviceId = parse.GetValue(device)!;
            if (TopicTree.ValidateDeviceId(deviceId) is { } badDevice) throw new FleetException(badDevice);
            var wait = FleetCommands.Seconds(parse, timeout, 3600);
            await using var link = await FleetLink.ConnectAsync(connection, cancellationToken);
            var request = CommandExchange.NewCommand();
            request.Rollback = new Rollback { Reason = parse.GetValue(reason) ?? "requested by the operator", ToVersion = parse.GetValue(toVersion) ?? "" };
            var shown = CommandState.Unspecified;
            var result = await new CommandExchange(link, TimeProvider.System).RunAsync(deviceId, request, wait,
                // The contract ends a rollback in ROLLED_BACK; COMPLETED is accepted from devices that treat it as a plain command.
                state => state is CommandState.RolledBack or CommandState.Completed,
                reply =>
                {
                    if (reply.State == shown || FleetWording.IsTerminal(reply.State)) return;
                    shown = reply.State;
                    output.WriteLine(FleetWording.State(reply.State));
                },
                cancellationToken);
            if (!result.Succeeded) throw new FleetException("rollback: " + result.Problem);
            string detail = string.IsNullOrWhiteSpace(result.Final!.Reason) ? "" : $": {result.Final.Reason}";
            output.WriteLine($"device '{deviceId}' rolled back{detail}");
            return 0;
        });
        return command;
    }
}
