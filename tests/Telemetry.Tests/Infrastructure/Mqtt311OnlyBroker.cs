using System.Net;
using System.Net.Sockets;

namespace EdgeAgent.Telemetry.Tests.Infrastructure;

/// <summary>
/// Stands in for a broker that speaks only MQTT 3.1.1 (mosquitto 2 always offers 5, and no 3.1.1-only
/// broker is packaged): it answers a CONNECT of protocol level 5 with the 3.1.1 return code 1
/// (unacceptable protocol version) and closes, accepts level 4, and answers PINGREQ. It records the
/// protocol levels it was asked for. Nothing else of MQTT is served.
/// </summary>
public sealed class Mqtt311OnlyBroker : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<int> _levels = [];
    private readonly Task _accepting;

    public Mqtt311OnlyBroker()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public IReadOnlyList<int> RequestedLevels
    {
        get { lock (_levels) return [.. _levels]; }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(socket);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeAsync(TcpClient socket)
    {
        using var _ = socket;
        var stream = socket.GetStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var (type, body) = await ReadPacketAsync(stream, _stop.Token);
                if (type == 1)
                {
                    // CONNECT: 2-byte length + "MQTT", then the protocol level.
                    int level = body[6];
                    lock (_levels) _levels.Add(level);
                    bool accepted = level == 4;
                    await stream.WriteAsync(new byte[] { 0x20, 0x02, 0x00, (byte)(accepted ? 0 : 1) }, _stop.Token);
                    if (!accepted) return;
                }
                else if (type == 12)
                {
                    await stream.WriteAsync(new byte[] { 0xD0, 0x00 }, _stop.Token);
                }
                else if (type == 14)
                {
                    return; // DISCONNECT
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or EndOfStreamException or ObjectDisposedException)
        {
        }
    }

    private static async Task<(int Type, byte[] Body)> ReadPacketAsync(NetworkStream stream, CancellationToken ct)
    {
        var one = new byte[1];
        await stream.ReadExactlyAsync(one, ct);
        int type = one[0] >> 4;
        int length = 0, shift = 0;
        while (true)
        {
            await stream.ReadExactlyAsync(one, ct);
            length |= (one[0] & 0x7F) << shift;
            if ((one[0] & 0x80) == 0) break;
            shift += 7;
        }
        var body = new byte[length];
        await stream.ReadExactlyAsync(body, ct);
        return (type, body);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
