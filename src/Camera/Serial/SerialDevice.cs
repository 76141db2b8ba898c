using Microsoft.Win32.SafeHandles;

namespace EdgeAgent.Camera.Serial;

/// <summary>
/// An open, configured serial port: termios sets the line up, a plain unbuffered FileStream moves
/// the bytes. Reads wait at most 100 ms and then return 0, so a reader loop can notice
/// cancellation without closing the port under itself.
/// </summary>
public sealed class SerialDevice : IDisposable
{
    private readonly FileStream _stream;
    private readonly object _writeLock = new();

    private SerialDevice(SerialSettings settings, FileStream stream)
    {
        Settings = settings;
        _stream = stream;
    }

    public SerialSettings Settings { get; }

    public static SerialDevice Open(SerialSettings settings)
    {
        if (!File.Exists(settings.Device))
            throw new CameraConfigException($"serial device '{settings.Device}' does not exist; check the cable and the device name (ls /dev/tty*)");
        // O_NOCTTY: a serial port must not become this service's controlling terminal.
        int fd = Termios.Open(settings.Device, Termios.O_RDWR | Termios.O_NOCTTY | Termios.O_CLOEXEC);
        if (fd < 0)
            throw Termios.Error($"cannot open serial device '{settings.Device}' (is the service in the dialout group?)");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            Termios.Configure(fd, settings);
            return new SerialDevice(settings, new FileStream(handle, FileAccess.ReadWrite, bufferSize: 0));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Blocks up to 100 ms; returns the bytes read, 0 when none arrived.</summary>
    public int Read(Span<byte> buffer) => _stream.Read(buffer);

    public void Write(ReadOnlySpan<byte> data)
    {
        lock (_writeLock)
        {
            _stream.Write(data);
        }
    }

    public void Dispose() => _stream.Dispose();
}
