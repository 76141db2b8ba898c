using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeAgent.Telemetry.Mqtt;

namespace EdgeAgent.Telemetry.Tests.Infrastructure;

/// <summary>What the test broker should enforce.</summary>
public sealed record BrokerSettings
{
    public TestCertificates? Tls { get; init; }
    public bool RequireClientCertificate { get; init; }
    public (string User, string Password)? Credentials { get; init; }
    public bool Persistence { get; init; }
}

/// <summary>
/// A real mosquitto on a free loopback port, configured from a generated file in its own temp
/// folder. Stop/Start keep the port and folder so a test can simulate a broker outage.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    private MosquittoBroker(BrokerSettings settings, string directory, int port)
    {
        Settings = settings;
        Directory = directory;
        Port = port;
    }

    public BrokerSettings Settings { get; }
    public string Directory { get; }
    public int Port { get; }
    public bool IsRunning => _process is { HasExited: false };
    public BrokerAddress Address => new(Settings.Tls is null ? "127.0.0.1" : "localhost", Port, Settings.Tls is not null);

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static async Task<MosquittoBroker> StartAsync(BrokerSettings? settings = null, CancellationToken cancellationToken = default)
    {
        settings ??= new BrokerSettings();
        var directory = System.IO.Directory.CreateTempSubdirectory("edgeagent-broker-").FullName;
        var broker = new MosquittoBroker(settings, directory, FreeLoopbackPort());
        await broker.WriteConfigAsync(cancellationToken);
        await broker.StartAsync(cancellationToken);
        return broker;
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WriteConfigAsync(CancellationToken cancellationToken)
    {
        var config = new StringBuilder();
        config.AppendLine($"listener {Port} 127.0.0.1");
        config.AppendLine($"user {Environment.UserName}");
        config.AppendLine("log_dest stderr");
        config.AppendLine("log_type error");
        config.AppendLine("log_type warning");
        config.AppendLine("log_type notice");
        config.AppendLine("max_queued_messages 100000");
        config.AppendLine("max_inflight_messages 0");
        // Without it mosquitto's small packets wait for TCP acknowledgements (Nagle): a command round trip
        // measured 52 ms instead of 12 ms on loopback (bench/RESULTS.md).
        config.AppendLine("set_tcp_nodelay true");
        if (Settings.Persistence)
        {
            config.AppendLine("persistence true");
            config.AppendLine($"persistence_location {Directory}/");
        }
        if (Settings.Credentials is { } credentials)
        {
            var passwordFile = Path.Combine(Directory, "passwd");
            await RunToolAsync("mosquitto_passwd", ["-b", "-c", passwordFile, credentials.User, credentials.Password], cancellationToken);
            config.AppendLine("allow_anonymous false");
            config.AppendLine($"password_file {passwordFile}");
        }
        else
        {
            config.AppendLine("allow_anonymous true");
        }
        if (Settings.Tls is { } tls)
        {
            config.AppendLine($"cafile {tls.CaFile}");
            config.AppendLine($"certfile {tls.ServerCertFile}");
            config.AppendLine($"keyfile {tls.ServerKeyFile}");
            config.AppendLine($"require_certificate {(Settings.RequireClientCertificate ? "true" : "false")}");
        }
        await File.WriteAllTextAsync(Path.Combine(Directory, "mosquitto.conf"), config.ToString(), cancellationToken);
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning) return;
        var info = new ProcessStartInfo("mosquitto", ["-c", Path.Combine(Directory, "mosquitto.conf")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = new Process { StartInfo = info };
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        if (!process.Start()) throw new InvalidOperationException("mosquitto did not start");
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"mosquitto exited at start ({process.ExitCode}): {Output}");
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

    /// <summary>SIGTERM, so a persistent broker writes its database like a real service stop.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process) return;
        _process = null;
        if (!process.HasExited)
        {
            Posix.Terminate(process.Id);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
        process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is not worth failing a test over.
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    internal static async Task RunToolAsync(string tool, string[] arguments, CancellationToken cancellationToken, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(tool, arguments)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{tool} did not start");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await stderr}{await stdout}");
    }
}
