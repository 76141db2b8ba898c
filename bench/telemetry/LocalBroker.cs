using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeAgent.Telemetry.Mqtt;

/// <summary>A mosquitto on a free loopback port in its own temp folder; disposing stops it and removes the folder.</summary>
internal sealed class LocalBroker : IDisposable
{
    private readonly Process _process;

    private LocalBroker(Process process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Address = new BrokerAddress("127.0.0.1", port, false);
    }

    public string Directory { get; }
    public BrokerAddress Address { get; }

    public static LocalBroker Start()
    {
        var work = System.IO.Directory.CreateTempSubdirectory("edgeagent-bench-").FullName;
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        File.WriteAllText(Path.Combine(work, "mosquitto.conf"),
            $"listener {port} 127.0.0.1\nallow_anonymous true\nuser {Environment.UserName}\nmax_queued_messages 1000000\nlog_dest none\nset_tcp_nodelay true\n");
        var process = Process.Start(new ProcessStartInfo("mosquitto", ["-c", Path.Combine(work, "mosquitto.conf")]) { UseShellExecute = false })!;
        return new LocalBroker(process, work, port);
    }

    public void Dispose()
    {
        _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
