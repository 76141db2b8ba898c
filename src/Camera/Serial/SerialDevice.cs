using System.IO.Ports;
using EdgeAgent.Camera.Diagnostics;

namespace EdgeAgent.Camera.Serial;

/// <summary>
/// A serial port opened with System.IO.Ports and configured from <see cref="SerialSettings"/>.
/// Reads wait at most 100 ms and then return 0, so a reader loop can notice cancellation without
/// closing the port under itself. When the port fails (a USB adapter pulled out) the device
/// logs one line, drops the handle and reopens it, at most once a second, when the adapter is
/// back: reads return 0 meanwhile and writes are dropped and counted, so neither the trigger
/// reader nor the result stage stops on an unplugged cable.
/// </summary>
public sealed class SerialDevice : IDisposable
{
    /// <summary>How long a read waits for the first byte.</summary>
    public const int ReadTimeoutMs = 100;
    private static readonly TimeSpan ReopenInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly ICameraLog _log;
    private SerialPort? _port;
    private DateTime _nextReopen;
    private bool _disposed;

    private SerialDevice(SerialSettings settings, SerialPort port, ICameraLog log)
    {
        Settings = settings;
        _port = port;
        _log = log;
    }

    public SerialSettings Settings { get; }

    /// <summary>Whether the port is open now (false between an unplug and the reopen).</summary>
    public bool Connected => Volatile.Read(ref _port) is not null;

    /// <summary>Times the port failed and was reopened.</summary>
    public int Reconnects { get; private set; }

    /// <summary>Writes dropped because the port was gone.</summary>
    public long DroppedWrites { get; private set; }

    /// <summary>Opens the port now; a missing, busy or non-serial device is a one-line error here, not later.</summary>
    public static SerialDevice Open(SerialSettings settings, ICameraLog? log = null) =>
        new(settings, OpenPort(settings), log ?? NullCameraLog.Instance);

    /// <summary>The System.IO.Ports configuration for <paramref name="settings"/> (not opened).</summary>
    internal static SerialPort Configure(SerialSettings settings) => new(settings.Device, settings.BaudRate,
        settings.Parity switch { Parity.Even => System.IO.Ports.Parity.Even, Parity.Odd => System.IO.Ports.Parity.Odd, _ => System.IO.Ports.Parity.None },
        settings.DataBits, settings.StopBits == 2 ? StopBits.Two : StopBits.One)
    {
        Handshake = settings.FlowControl switch
        {
            FlowControl.RtsCts => Handshake.RequestToSend,
            FlowControl.XonXoff => Handshake.XOnXOff,
            _ => Handshake.None,
        },
        ReadTimeout = ReadTimeoutMs,
        WriteTimeout = 2000,
    };

    private static SerialPort OpenPort(SerialSettings settings)
    {
        if (!File.Exists(settings.Device))
            throw new CameraConfigException($"serial device '{settings.Device}' does not exist; check the cable and the device name (ls /dev/tty*)");
        var port = Configure(settings);
        try
        {
            port.Open();
            return port;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException or ArgumentException or InvalidOperationException)
        {
            port.Dispose();
            throw new IOException(WhyNotOpened(settings.Device, e));
        }
    }

    /// <summary>
    /// System.IO.Ports reports every failed open as access denied; opening the file plainly tells a
    /// permission problem (the dialout group) from a file that is not a serial port.
    /// </summary>
    private static string WhyNotOpened(string device, Exception e)
    {
        try
        {
            using (File.Open(device, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite)) { }
        }
        catch (UnauthorizedAccessException)
        {
            return $"cannot open serial device '{device}': permission denied (is the service in the dialout group?)";
        }
        catch (IOException io)
        {
            return $"cannot open serial device '{device}': {io.Message}";
        }
        return e is UnauthorizedAccessException
            ? $"cannot open serial device '{device}': not a serial port (or it is in use)"
            : $"cannot open serial device '{device}': {e.Message}";
    }

    /// <summary>Blocks up to 100 ms; returns the bytes read, 0 when none arrived or the port is gone.</summary>
    public int Read(Span<byte> buffer)
    {
        var port = Volatile.Read(ref _port) ?? Reopen();
        if (port is null)
        {
            Thread.Sleep(ReadTimeoutMs);
            return 0;
        }
        try
        {
            return port.BaseStream.Read(buffer);
        }
        catch (TimeoutException)
        {
            return 0;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            Lost(port, e);
            return 0;
        }
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            var port = _port ?? ReopenLocked();
            if (port is null)
            {
                DroppedWrites++;
                return;
            }
            try
            {
                port.BaseStream.Write(data);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException or ObjectDisposedException)
            {
                DroppedWrites++;
                LostLocked(port, e);
            }
        }
    }

    private SerialPort? Reopen()
    {
        lock (_lock) return _port ?? ReopenLocked();
    }

    private SerialPort? ReopenLocked()
    {
        if (_disposed || DateTime.UtcNow < _nextReopen) return null;
        _nextReopen = DateTime.UtcNow + ReopenInterval;
        try
        {
            var port = OpenPort(Settings);
            Reconnects++;
            _log.Write(CameraLogLevel.Information, $"serial device {Settings.Device} is back (reconnect {Reconnects})");
            Volatile.Write(ref _port, port);
            return port;
        }
        catch (Exception e) when (e is IOException or CameraConfigException)
        {
            return null;
        }
    }

    private void Lost(SerialPort port, Exception e)
    {
        lock (_lock) LostLocked(port, e);
    }

    private void LostLocked(SerialPort port, Exception e)
    {
        if (!ReferenceEquals(_port, port)) return;
        _log.Write(CameraLogLevel.Error, $"serial device {Settings.Device} failed ({e.Message.Split('\n')[0]}); reopening it once a second");
        Volatile.Write(ref _port, null);
        _nextReopen = DateTime.UtcNow + ReopenInterval;
        try { port.Dispose(); }
        catch (IOException) { }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _port?.Dispose();
            _port = null;
        }
    }
}
