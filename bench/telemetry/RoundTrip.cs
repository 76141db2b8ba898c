// Fleet command round trip on loopback: a fleet-side client publishes a Ping command at QoS 1 and
// times until the device's Reply arrives. The device side is the real path: DeviceLink validates the
// command, a stand-in agent answers it, the reply goes through the disk outbox and the forwarder.
//   dotnet run -c Release --project bench/telemetry -- roundtrip [count=2000] [gap-ms=2]
using System.Diagnostics;
using EdgeAgent.Telemetry.Link;
using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Outbox;
using EdgeAgent.Telemetry.Wire;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

internal static class RoundTrip
{
    public static async Task<int> RunAsync(string[] args)
    {
        int count = args.Length > 1 ? int.Parse(args[1]) : 2000;
        int gapMs = args.Length > 2 ? int.Parse(args[2]) : 2;
        using var broker = LocalBroker.Start();
        await Task.Delay(500);
        var deviceId = "bench-rt";
        var linkOptions = new DeviceLinkOptions { DeviceId = deviceId };
        await using var deviceClient = new ReconnectingMqttClient(new MqttClientOptions
        {
            Broker = broker.Address, ClientId = deviceId, Will = DeviceLink.CreateWill(linkOptions),
        });
        using var outbox = DiskOutbox.Open(new OutboxOptions { Directory = Path.Combine(broker.Directory, "outbox"), Fsync = FsyncPolicy.Interval });
        await using var link = new DeviceLink(linkOptions, deviceClient, outbox);
        link.Start();
        using var stop = new CancellationTokenSource();
        var agent = Task.Run(async () =>
        {
            await foreach (var command in link.Commands.ReadAllAsync(stop.Token))
                link.Enqueue(new Reply { CommandId = command.CommandId, State = CommandState.Completed });
        });

        await using var fleet = new ReconnectingMqttClient(new MqttClientOptions { Broker = broker.Address, ClientId = "bench-fleet" });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await fleet.ConnectAsync(timeout.Token);
        var topics = TopicTree.Create(deviceId);
        await fleet.SubscribeAsync(topics.Replies, MqttQos.AtLeastOnce, timeout.Token);
        await deviceClient.WaitUntilConnectedAsync(timeout.Token);
        await Task.Delay(500);

        const int Warmup = 100;
        var samples = new List<double>(count);
        for (int i = -Warmup; i < count; i++)
        {
            var command = new Command
            {
                SchemaVersion = Contract.SchemaVersion, CommandId = $"ping-{i}", Ping = new Ping(),
                ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(1)),
            };
            long start = Stopwatch.GetTimestamp();
            await fleet.PublishAsync(topics.Commands, command.ToByteArray(), MqttQos.AtLeastOnce, false, timeout.Token);
            while (true)
            {
                var message = await fleet.Messages.ReadAsync(timeout.Token);
                if (message.Topic == topics.Replies && Reply.Parser.ParseFrom(message.Payload).CommandId == command.CommandId) break;
            }
            if (i >= 0) samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (gapMs > 0) await Task.Delay(gapMs);
        }
        samples.Sort();
        double P(double q) => samples[Math.Min(samples.Count - 1, (int)(q * samples.Count))];
        Console.WriteLine($"fleet command round trip (Ping → Reply through DeviceLink and the outbox), {count} after {Warmup} warm-up, " +
                          $"protocol {fleet.NegotiatedProtocol}: p50 {P(0.5):F2} ms, p90 {P(0.9):F2} ms, p99 {P(0.99):F2} ms, max {samples[^1]:F2} ms");
        stop.Cancel();
        await link.StopAsync(CancellationToken.None);
        return 0;
    }
}
