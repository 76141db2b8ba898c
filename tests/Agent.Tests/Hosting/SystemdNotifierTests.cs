using System.Net.Sockets;
using System.Text;
using EdgeAgent.Agent.Hosting;

namespace EdgeAgent.Agent.Tests.Hosting;

/// <summary>The notify protocol against a real Unix datagram socket, as systemd listens on one.</summary>
public sealed class SystemdNotifierTests
{
    private static (Socket Listener, string Name) Listen(bool abstractName)
    {
        string name = abstractName ? $"@edgeagent-test-{Guid.NewGuid():N}" : Path.Combine(Path.GetTempPath(), $"ea-notify-{Guid.NewGuid():N}.sock");
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(abstractName ? "\0" + name[1..] : name));
        socket.ReceiveTimeout = 5000;
        return (socket, name);
    }

    private static string Receive(Socket socket)
    {
        var buffer = new byte[1024];
        int n = socket.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SendsReadyStatusAndWatchdog(bool abstractName)
    {
        var (listener, name) = Listen(abstractName);
        using (listener)
        using (var notifier = new SystemdNotifier(name))
        {
            Assert.True(notifier.Enabled);
            notifier.Ready("running det 1.1\nsecond line");
            Assert.Equal("READY=1\nSTATUS=running det 1.1 second line", Receive(listener));
            notifier.Watchdog();
            Assert.Equal("WATCHDOG=1", Receive(listener));
            notifier.Status("rolling back");
            Assert.Equal("STATUS=rolling back", Receive(listener));
        }
        if (!abstractName) File.Delete(name);
    }

    [Fact]
    public void WithoutASocketNothingHappens()
    {
        using var notifier = new SystemdNotifier(null);
        Assert.False(notifier.Enabled);
        notifier.Ready("x");
        notifier.Watchdog();
    }

    [Fact]
    public void AVanishedSocketIsNotAnError()
    {
        using var notifier = new SystemdNotifier(Path.Combine(Path.GetTempPath(), $"ea-gone-{Guid.NewGuid():N}.sock"));
        notifier.Watchdog();
    }
}
