using System.Text;
using EdgeAgent.Telemetry.Mqtt;

namespace EdgeAgent.Telemetry.Tests;

/// <summary>
/// Entry point of this assembly when a test starts it as a child process. The test runner
/// never calls Main; tests do, through ChildProcess, to get a process they can kill.
/// </summary>
public static class HelperProgram
{
    public static int Main(string[] args)
    {
        if (args.Length == 0) return 0;
        return args[0] switch
        {
            "lwt" => RunLwt(args).GetAwaiter().GetResult(),
            "outbox-append" => Helpers.OutboxAppendHelper.Run(args),
            _ => 64,
        };
    }

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
        await using var client = new MosquittoClient(options);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await client.ConnectAsync(timeout.Token);
        await client.PublishAsync(args[4], Encoding.UTF8.GetBytes("online"), MqttQos.AtLeastOnce, retain: true, timeout.Token);
        Console.WriteLine("READY");
        await Task.Delay(TimeSpan.FromSeconds(60));
        return 0;
    }
}
