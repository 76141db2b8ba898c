using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeAgent.Agent.Tests.EndToEnd;

/// <summary>
/// A real mosquitto on a free loopback port with its own config folder. Stop and Start keep the
/// port, so a test can cut the broker away from a running agent and bring it back.
/// </summary>
public sealed class TestBroker : IAsyncDisposable
{
    private readonly string _directory;
    private readonly StringBuilder _log = new();
    private Process? _process;

    private TestBroker(string directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    public int Port { get; }
    public string Uri => $"mqtt://127.0.0.1:{Port}";
    public Telemetry.Mqtt.BrokerAddress Address => new("127.0.0.1", Port, false);

    public static async Task<TestBroker> StartAsync()
    {
        string directory = Directory.CreateTempSubdirectory("edgeagent-e2e-broker-").FullName;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await File.WriteAllTextAsync(Path.Combine(directory, "mosquitto.conf"),
            $"listener {port} 127.0.0.1\nallow_anonymous true\nlog_dest stderr\nlog_type error\nmax_queued_messages 100000\nmax_inflight_messages 0\n");
        var broker = new TestBroker(directory, port);
        await broker.StartAsync(CancellationToken.None);
        return broker;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_process is { HasExited: false }) return;
        var info = new ProcessStartInfo("mosquitto", ["-c", Path.Combine(_directory, "mosquitto.conf")])
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException("mosquitto did not start (is it installed? scripts/setup.sh)");
        process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"mosquitto exited at start: {_log}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(25, cancellationToken);
            }
        }
    }

    public async Task StopAsync()
    {
        if (_process is not { } process) return;
        _process = null;
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
