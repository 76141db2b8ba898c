using System.Text;
using EdgeAgent.Telemetry.Mqtt;

namespace EdgeAgent.Telemetry.Tests;

/// <summary>
/// Entry point of this assembly. Tests start it as a child process in a helper mode (through
/// ChildProcess, to get a process they can kill); everything else (dotnet test, or running the
/// executable by hand) is the xunit v3 in-process runner, which this entry point stands in for.
/// </summary>
public static class HelperProgram
{
    public static int Main(string[] args) => args.FirstOrDefault() switch
    {
        "lwt" => RunLwt(args).GetAwaiter().GetResult(),
        "outbox-append" => Helpers.OutboxAppendHelper.Run(args),
        _ => Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args).GetAwaiter().GetResult(),
    };

    // lwt <host> <port> <clientId> <statusTopic>: connect with a retained "offline" will, say online, wait to be killed.
    private static async Task<int> RunLwt(string[] args)
    {
        var options = new MqttClientOptions
        {
            Broker = new BrokerAddress(args[1], int.Parse(args[2]), false),
            ClientId = args[3],
            KeepAliveSeconds = 5,
            Will = new MqttWill(args[4], Encoding.UTF8.GetBytes("offline")),
        };
        await using var client = new ReconnectingMqttClient(options);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await client.ConnectAsync(timeout.Token);
        await client.PublishAsync(args[4], Encoding.UTF8.GetBytes("online"), MqttQos.AtLeastOnce, retain: true, timeout.Token);
        Console.WriteLine("READY");
        await Task.Delay(TimeSpan.FromSeconds(60));
        return 0;
    }
}
