using System.Net.Sockets;
using System.Text;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Agent.Tests.EndToEnd;

/// <summary>The agent as systemd runs it: READY once serving, WATCHDOG from the live loop, a clean stop on SIGTERM.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class ServiceLifecycleTests
{
    [Fact]
    public async Task TheAgentNotifiesSystemdAndStopsCleanlyOnSigterm()
    {
        await using var device = await DeviceUnderTest.CreateAsync();
        string socketPath = Path.Combine(device.Root, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var messages = new List<string>();
        var receiving = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            try
            {
                while (true)
                {
                    int n = await socket.ReceiveAsync(buffer, SocketFlags.None);
                    lock (messages) messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        });

        await device.StartAgentAsync(new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath, ["WATCHDOG_USEC"] = "2000000" });
        await device.Fleet.WaitAsync(_ => { lock (messages) return messages.Count(m => m == "WATCHDOG=1") >= 2 ? "" : null; },
            TimeSpan.FromSeconds(30), "two watchdog pings", device.AgentOutput);
        await device.Fleet.WaitAsync(f => f.Statuses.FirstOrDefault(s => s.State == Status.Types.State.Online), TimeSpan.FromSeconds(30), "an ONLINE status");

        Assert.Equal(0, await device.Agent.StopAsync(TimeSpan.FromSeconds(30)));
        await device.Fleet.WaitAsync(f => f.Statuses.FirstOrDefault(s => s.State == Status.Types.State.Offline), TimeSpan.FromSeconds(10), "an OFFLINE status");
        List<string> seen;
        lock (messages) seen = messages.ToList();
        var ready = Assert.Single(seen, m => m.StartsWith("READY=1", StringComparison.Ordinal));
        Assert.Contains("STATUS=serving cls 1 (cpu)", ready);
        Assert.Contains(seen, m => m.StartsWith("STATUS=", StringComparison.Ordinal) && m.Contains("frames"));
        Assert.Equal("STOPPING=1", seen[^1]);
        socket.Close();
        await receiving;
    }

    [Fact]
    public async Task ACameraThatStopsDeliveringIsReportedAsAnEventAndTheAgentStaysUp()
    {
        await using var device = await DeviceUnderTest.CreateAsync(c => c["Camera"]!["Source"] = "synthetic:320x96@20#frames=30");
        await device.StartAgentAsync();
        var camera = await device.Fleet.WaitAsync(f => f.Events.FirstOrDefault(e => e.Kind == "camera"), TimeSpan.FromSeconds(30), "a camera event", device.AgentOutput);
        Assert.NotEqual(Event.Types.Severity.Info, camera.Severity);
        Assert.Equal("test-cam", camera.Attributes["camera"]);
        await device.Fleet.SendAsync(new Command { CommandId = "p", Ping = new Ping() });
        await device.Fleet.WaitForReplyAsync("p", TimeSpan.FromSeconds(20), device.AgentOutput, CommandState.Completed);
        Assert.False(device.Agent.HasExited);
    }

    [Fact]
    public async Task AStuckPipelineStopsTheWatchdogPings()
    {
        // The installed model sleeps 400 ms in each layer: a frame takes seconds while more wait in the ring.
        await using var device = await DeviceUnderTest.CreateAsync();
        string slow = Path.Combine(device.Root, "slow.onnx");
        File.WriteAllBytes(slow, Artifacts.WithMetadata(Artifacts.ClsModel, Engines.EngineFactory.DelayMetadataKey, "400"));
        device.Config["Model"]!["Onnx"] = slow;
        string socketPath = Path.Combine(device.Root, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        await device.StartAgentAsync(new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath, ["WATCHDOG_USEC"] = "1000000" });

        // Watch 4 s (eight half-intervals) once frames are queued: STATUS keeps coming, WATCHDOG at most once (the first check may see the start).
        await Task.Delay(1500);
        var seen = new List<string>();
        var buffer = new byte[4096];
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(4);
        while (DateTime.UtcNow < until)
        {
            using var wait = new CancellationTokenSource(until - DateTime.UtcNow + TimeSpan.FromMilliseconds(10));
            try
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
                seen.Add(Encoding.UTF8.GetString(buffer, 0, n));
            }
            catch (OperationCanceledException)
            {
            }
        }
        Assert.True(seen.Count(m => m.StartsWith("STATUS=", StringComparison.Ordinal)) >= 4, string.Join(" | ", seen));
        Assert.True(seen.Count(m => m == "WATCHDOG=1") <= 1, string.Join(" | ", seen));
    }
}
