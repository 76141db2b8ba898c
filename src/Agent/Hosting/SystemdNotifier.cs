using System.Net.Sockets;
using System.Text;

namespace EdgeAgent.Agent.Hosting;

/// <summary>
/// The systemd notify protocol (Type=notify services): one datagram per message to the Unix
/// socket named by $NOTIFY_SOCKET ("@name" is an abstract socket). READY=1 once the service
/// works, WATCHDOG=1 from the live loop (so a stuck pipeline is restarted), STATUS=... for
/// `systemctl status`. Without $NOTIFY_SOCKET every call is a no-op.
/// </summary>
public sealed class SystemdNotifier : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endpoint;

    /// <param name="notifySocket">The value of $NOTIFY_SOCKET, or null when not run by systemd.</param>
    public SystemdNotifier(string? notifySocket)
    {
        if (string.IsNullOrEmpty(notifySocket)) return;
        // An abstract socket's name starts with a NUL byte; systemd writes it as '@'.
        string path = notifySocket[0] == '@' ? "\0" + notifySocket[1..] : notifySocket;
        _endpoint = new UnixDomainSocketEndPoint(path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    public static SystemdNotifier FromEnvironment() => new(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"));

    public bool Enabled => _socket is not null;

    /// <summary>The watchdog interval systemd asked for ($WATCHDOG_USEC), or null; ping at half of it.</summary>
    public static TimeSpan? WatchdogInterval()
    {
        var text = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        return long.TryParse(text, out long us) && us > 0 ? TimeSpan.FromMicroseconds(us) : null;
    }

    public void Ready(string status) => Send($"READY=1\nSTATUS={Clean(status)}");
    public void Status(string status) => Send($"STATUS={Clean(status)}");
    public void Watchdog() => Send("WATCHDOG=1");
    public void Stopping() => Send("STOPPING=1");

    private static string Clean(string s) => s.Replace('\n', ' ');

    private void Send(string message)
    {
        if (_socket is null) return;
        try { _socket.SendTo(Encoding.UTF8.GetBytes(message), _endpoint!); }
        catch (SocketException) { } // systemd went away (shutdown): nothing to tell
        catch (ObjectDisposedException) { } // the service is past its end: nothing to tell either
    }

    public void Dispose() => _socket?.Dispose();
}
