using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeAgent.Telemetry.Mqtt;

namespace EdgeAgent.Agent.Tests.Fleet.Infrastructure;

/// <summary>A real mosquitto on a free loopback port for one test class; tests isolate themselves by device id.</summary>
public sealed class TestBroker : IAsyncLifetime
{
    private Process? _process;
    private string? _directory;

    public int Port { get; private set; }
    public string Uri => $"mqtt://127.0.0.1:{Port}";
    public BrokerAddress Address => new("127.0.0.1", Port, false);

    public async ValueTask InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("edgeagent-fleet-broker-").FullName;
        Port = FreePort();
        string config = Path.Combine(_directory, "mosquitto.conf");
        await File.WriteAllTextAsync(config, $"listener {Port} 127.0.0.1\nallow_anonymous true\nuser {Environment.UserName}\nmax_queued_messages 100000\nmax_inflight_messages 0\nlog_dest none\n");
        _process = Process.Start(new ProcessStartInfo("mosquitto", ["-c", config]) { UseShellExecute = false, RedirectStandardError = true })
                   ?? throw new InvalidOperationException("mosquitto did not start (scripts/setup.sh installs it)");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"mosquitto exited at start: {await _process.StandardError.ReadToEndAsync()}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(25, timeout.Token);
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        _process?.Dispose();
        if (_directory is not null) Directory.Delete(_directory, recursive: true);
    }
}
