using System.CommandLine;
using EdgeAgent.Agent.Fleet;
using EdgeAgent.Telemetry.Wire;
using Command = System.CommandLine.Command;

namespace EdgeAgent.Agent.Cli;

/// <summary>
/// <c>edgeagent fleet status --device ID</c>: asks the device for its status (GetStatus) and prints
/// the answer next to the status the broker retained, which is all there is when it is offline.
/// </summary>
public static class FleetStatusCommand
{
    public static Command Build(TextWriter output)
    {
        var device = new Option<string>("--device", "-d") { Description = "Device id", Required = true };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the device's answer", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "Print the device's status as JSON (the contract's mapping)" };
        var command = new Command("status", "Ask a device for its status") { device, timeout, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var connection = FleetCommands.Connection(parse, output);
            string deviceId = parse.GetValue(device)!;
            if (TopicTree.ValidateDeviceId(deviceId) is { } badDevice) throw new FleetException(badDevice);
            var wait = FleetCommands.Seconds(parse, timeout, 3600);
            await using var link = await FleetLink.ConnectAsync(connection, cancellationToken);
            var request = CommandExchange.NewCommand();
            request.GetStatus = new GetStatus();
            var result = await new CommandExchange(link, TimeProvider.System)
                .RunAsync(deviceId, request, wait, state => state == CommandState.Completed, null, cancellationToken);

            var live = result.Final?.Status;
            if (parse.GetValue(json))
            {
                if (live is not null) output.WriteLine(WireCodec.ToJson(live));
                else if (result.RetainedStatus is not null) output.WriteLine(WireCodec.ToJson(result.RetainedStatus));
            }
            else
            {
                if (result.RetainedStatus is { } retained) Print(output, "retained", retained);
                if (live is not null) Print(output, "device", live);
            }
            if (!result.Succeeded) throw new FleetException(result.Problem!);
            if (live is null) throw new FleetException($"'{deviceId}' completed GetStatus without a status in its reply");
            return 0;
        });
        return command;
    }

    private static void Print(TextWriter output, string source, Status status)
    {
        output.WriteLine($"{source} status: {FleetWording.Status(status)}");
        if (status.AgentVersion.Length > 0) output.WriteLine($"  agent       {status.AgentVersion}");
        output.WriteLine($"  engine      {FleetWording.Engine(status.Engine)}");
        if (status.Engine is { EngineId.Length: > 0 } engine) output.WriteLine($"  engine id   {engine.EngineId}");
        if (status.DeploymentState.Length > 0) output.WriteLine($"  deployment  {status.DeploymentState}");
        if (status.StartedAt is { } started) output.WriteLine($"  started     {started.ToDateTimeOffset():yyyy-MM-dd HH:mm:ss}Z");
        if (status.Hardware is { } hw)
        {
            string gpu = hw.GpuName.Length == 0 ? "no GPU" : $"{hw.GpuName} (sm {hw.ComputeCapability}, driver {hw.GpuDriver})";
            output.WriteLine($"  hardware    {hw.Os} {hw.Architecture}, {hw.CpuCores} cores, {hw.MemoryBytes / (1024 * 1024)} MiB, {gpu}");
        }
        if (status.PayloadFormat.Length > 0) output.WriteLine($"  payloads    {status.PayloadFormat}");
    }
}
