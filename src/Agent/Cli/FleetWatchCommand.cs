using System.CommandLine;
using EdgeAgent.Agent.Fleet;
using EdgeAgent.Telemetry.Wire;
using Command = System.CommandLine.Command;

namespace EdgeAgent.Agent.Cli;

/// <summary><c>edgeagent fleet watch</c>: a live table of devices (status, engine, fps, latency, drift, drops).</summary>
public static class FleetWatchCommand
{
    /// <summary>--once waits this long: retained statuses arrive at once, a telemetry window may take a moment.</summary>
    public static readonly TimeSpan OnceWindow = TimeSpan.FromSeconds(2);

    public static Command Build(TextWriter output)
    {
        var device = new Option<string?>("--device", "-d") { Description = "Watch only this device" };
        var once = new Option<bool>("--once") { Description = "Collect for two seconds, print the table once and exit" };
        var duration = new Option<double?>("--duration") { Description = "Watch this many seconds, then print the final table and exit" };
        var command = new Command("watch", "Live table of devices from their status and telemetry") { device, once, duration };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var connection = FleetCommands.Connection(parse, output);
            string? deviceId = parse.GetValue(device);
            if (deviceId is not null && TopicTree.ValidateDeviceId(deviceId) is { } badDevice) throw new FleetException(badDevice);
            bool onceValue = parse.GetValue(once);
            double? seconds = parse.GetValue(duration);
            if (onceValue && seconds is not null) throw new FleetException("give either --once or --duration, not both");
            if (seconds is { } s && !(s > 0 && s <= 7 * 24 * 3600)) throw new FleetException($"--duration must be between 0 and 604800 seconds, got {s}");
            TimeSpan? span = onceValue ? OnceWindow : seconds is { } sec ? TimeSpan.FromSeconds(sec) : null;

            await using var link = await FleetLink.ConnectAsync(connection, cancellationToken);
            bool live = FleetCommands.IsTerminal(output) && !onceValue;
            await new FleetWatch(link, TimeProvider.System).RunAsync(deviceId, span, FleetCommands.CreateConsole(output, live), live, cancellationToken);
            return 0;
        });
        return command;
    }
}
