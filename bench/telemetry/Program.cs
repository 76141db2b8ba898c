// Publishes telemetry through the outbox to a local mosquitto at a fixed rate and reports the
// publishing process's CPU time, and whether a separate subscriber process saw every message.
//   dotnet run -c Release --project bench/telemetry -- [rate=1000] [seconds=60] [burst-ms=50] [batch|single]
// The producer wakes every burst-ms and enqueues what is due since its last wake-up: with "batch" as
// one outbox write (DeviceLink.EnqueueAll), with "single" one Enqueue per message.
using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeAgent.Telemetry.Link;
using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Outbox;
using EdgeAgent.Telemetry.Wire;

if (args.Length > 0 && args[0] == "subscribe") return await Subscriber.RunAsync(args);
if (args.Length > 0 && args[0] == "roundtrip") return await RoundTrip.RunAsync(args);

int rate = args.Length > 0 ? int.Parse(args[0]) : 1000;
int seconds = args.Length > 1 ? int.Parse(args[1]) : 60;
int burstMs = args.Length > 2 ? int.Parse(args[2]) : 50;
bool batch = args.Length <= 3 || args[3] switch { "batch" => true, "single" => false, _ => throw new ArgumentException("batch or single") };
const int WarmupSeconds = 5;
int total = rate * (seconds + WarmupSeconds);
using var broker = LocalBroker.Start();
var work = broker.Directory;
int port = broker.Address.Port;
{
    await Task.Delay(500);
    var deviceId = "bench-1";
    var topic = $"edgeagent/{deviceId}/telemetry";
    var subscriberInfo = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var a in new[] { Path.ChangeExtension(typeof(Subscriber).Assembly.Location, ".dll"), "subscribe", port.ToString(), topic, total.ToString() })
        subscriberInfo.ArgumentList.Add(a);
    if (!Environment.ProcessPath!.EndsWith("dotnet")) subscriberInfo.ArgumentList.RemoveAt(0);
    using var subscriber = Process.Start(subscriberInfo)!;
    if (await subscriber.StandardOutput.ReadLineAsync() != "READY") throw new InvalidOperationException("subscriber failed");

    var linkOptions = new DeviceLinkOptions { DeviceId = deviceId };
    await using var client = new ReconnectingMqttClient(new MqttClientOptions
    {
        Broker = new BrokerAddress("127.0.0.1", port, false), ClientId = deviceId, Will = DeviceLink.CreateWill(linkOptions),
        Log = line => Console.Error.WriteLine($"publisher: {line}"),
    });
    using var outbox = DiskOutbox.Open(new OutboxOptions { Directory = Path.Combine(work, "outbox"), Fsync = FsyncPolicy.Interval });
    await using var link = new DeviceLink(linkOptions, client, outbox);
    link.Start();
    await client.WaitUntilConnectedAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);

    var sample = new Telemetry
    {
        Engine = new EngineInfo { ModelId = "resnet18", ModelVersion = "3", EngineId = "9f2c", Precision = Precision.Int8, Backend = "cuda" },
        WindowMs = 10_000,
        Pipeline = new PipelineCounters { Fps = 30, Frames = 300, QueueDepth = 1 },
        Process = new ProcessStats { CpuPercent = 30, RssBytes = 200_000_000 },
    };
    foreach (var stage in new[] { Stage.CaptureAge, Stage.Preprocess, Stage.Inference, Stage.Postprocess, Stage.EndToEnd })
        sample.Stages.Add(new StageLatency { Stage = stage, Count = 300, P50Ms = 2, P90Ms = 3, P99Ms = 4, MaxMs = 5, MeanMs = 2.2 });
    Console.WriteLine($"message size {WireCodec.Encode(sample, PayloadFormat.Protobuf).Length} bytes (protobuf), rate {rate}/s for {seconds} s, " +
                      $"produced every {burstMs} ms, {(batch ? "one outbox write per burst" : "one outbox write per message")}");

    // The first seconds are JIT and tiering work, not steady-state cost: publish, but do not measure them.
    var clock = Stopwatch.StartNew();
    using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(burstMs));
    int sent = 0;
    int warmup = rate * WarmupSeconds;
    var cpuBefore = TimeSpan.Zero;
    var measuredFrom = TimeSpan.Zero;
    var gcBefore = 0;
    var burst = new List<Telemetry>();
    while (sent < total && await timer.WaitForNextTickAsync())
    {
        int due = (int)Math.Min(total, (long)(clock.Elapsed.TotalSeconds * rate));
        if (sent < warmup && due >= warmup) due = warmup; // the measured window starts on a burst boundary
        if (sent == warmup && due > sent)
        {
            cpuBefore = Environment.CpuUsage.TotalTime;
            measuredFrom = clock.Elapsed;
            gcBefore = GC.CollectionCount(0);
        }
        burst.Clear();
        for (; sent < due; sent++) burst.Add(sample.Clone());
        if (batch) link.EnqueueAll(CollectionsMarshal.AsSpan(burst));
        else foreach (var telemetry in burst) link.Enqueue(telemetry);
    }
    var produceTime = clock.Elapsed;
    while (outbox.Stats.Pending > 0 && clock.Elapsed < produceTime + TimeSpan.FromSeconds(30)) await Task.Delay(10);
    var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
    var wall = clock.Elapsed - measuredFrom;
    Console.WriteLine($"produced {sent} ({warmup} in warm-up) in {produceTime.TotalSeconds:F1} s; outbox drained at {clock.Elapsed.TotalSeconds:F1} s");
    Console.WriteLine($"publisher CPU {cpu.TotalSeconds:F2} s over {wall.TotalSeconds:F1} s = {cpu / wall * 100:F2}% of one core; gen0 GCs {GC.CollectionCount(0) - gcBefore}");
    Console.WriteLine($"forwarder: {link.ForwarderStats}; outbox: pending {outbox.Stats.Pending}, dropped {outbox.Stats.Dropped}");
    try
    {
        Console.Write($"subscriber: {await subscriber.StandardOutput.ReadToEndAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token)}");
    }
    catch (OperationCanceledException)
    {
        subscriber.Kill();
        Console.WriteLine("subscriber: did not receive every message within 60 s of the drain (see its progress lines)");
    }
    await link.StopAsync(CancellationToken.None);
    return 0;
}

internal static class Subscriber
{
    public static async Task<int> RunAsync(string[] args)
    {
        int port = int.Parse(args[1]);
        string topic = args[2];
        int expected = int.Parse(args[3]);
        await using var client = new ReconnectingMqttClient(new MqttClientOptions
        {
            Broker = new BrokerAddress("127.0.0.1", port, false), ClientId = "bench-sub", IncomingCapacity = 100_000,
            Log = line => Console.Error.WriteLine($"subscriber: {line}"),
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await client.ConnectAsync(timeout.Token);
        await client.SubscribeAsync(topic, MqttQos.AtLeastOnce, timeout.Token);
        Console.WriteLine("READY");
        ulong last = 0;
        long duplicates = 0, gaps = 0, count = 0;
        var progress = System.Diagnostics.Stopwatch.StartNew();
        while (last < (ulong)expected)
        {
            if (progress.Elapsed > TimeSpan.FromSeconds(5))
            {
                Console.Error.WriteLine($"subscriber: {count} received, last seq {last}, state {client.State}");
                progress.Restart();
            }
            MqttMessage message;
            try
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
                wait.CancelAfter(TimeSpan.FromSeconds(5));
                message = await client.Messages.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!timeout.IsCancellationRequested)
            {
                Console.Error.WriteLine($"subscriber: nothing for 5 s; {count} received, last seq {last}, state {client.State}, {client.LastError}");
                continue;
            }
            catch (OperationCanceledException) { break; }
            ulong seq = Telemetry.Parser.ParseFrom(message.Payload).Header.Seq;
            if (seq <= last) { duplicates++; continue; }
            if (seq != last + 1) gaps++;
            last = seq;
            count++;
        }
        Console.WriteLine($"received {count} distinct (last seq {last}), gaps {gaps}, duplicates {duplicates}, dropped incoming {client.DroppedIncoming}");
        return 0;
    }
}
