using System.Globalization;

namespace EdgeAgent.Camera.Serial;

public enum Parity
{
    None,
    Even,
    Odd,
}

public enum FlowControl
{
    None,
    /// <summary>Hardware handshake on the RTS/CTS lines.</summary>
    RtsCts,
    /// <summary>Software handshake with XON/XOFF bytes (do not use with binary trigger patterns).</summary>
    XonXoff,
}

/// <summary>
/// A serial line's configuration. The usual short form is <c>115200,8N1</c> (baud, data bits,
/// parity N/E/O, stop bits), optionally followed by <c>,rtscts</c> or <c>,xonxoff</c>.
/// </summary>
public sealed record SerialSettings
{
    /// <summary>Rates termios can set on Linux (the Bxxx constants).</summary>
    public static readonly IReadOnlyList<int> SupportedBaudRates =
    [
        1200, 1800, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 576000,
        921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000,
    ];

    public required string Device { get; init; }
    public int BaudRate { get; init; } = 115200;
    public int DataBits { get; init; } = 8;
    public Parity Parity { get; init; } = Parity.None;
    public int StopBits { get; init; } = 1;
    public FlowControl FlowControl { get; init; } = FlowControl.None;

    public static SerialSettings Parse(string device, string line)
    {
        if (string.IsNullOrWhiteSpace(device))
            throw new CameraConfigException("serial device is empty; name it, e.g. /dev/ttyUSB0 or /dev/ttyTHS1");
        // Absolute, not necessarily under /dev: udev rules and test rigs link ttys elsewhere.
        if (!device.StartsWith('/'))
            throw new CameraConfigException($"serial device '{device}' must be an absolute path, e.g. /dev/ttyUSB0 or /dev/serial/by-id/...");
        string[] parts = (line ?? "").Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length is < 2 or > 3)
            throw new CameraConfigException($"serial settings '{line}' must look like 115200,8N1 (baud,data-bits parity stop-bits) with an optional ,rtscts or ,xonxoff");
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int baud) || !SupportedBaudRates.Contains(baud))
            throw new CameraConfigException($"serial baud rate '{parts[0]}' is not supported; use one of {string.Join(", ", SupportedBaudRates)}");

        string frame = parts[1].ToUpperInvariant();
        if (frame.Length != 3 || frame[0] is < '5' or > '8' || frame[2] is not ('1' or '2'))
            throw new CameraConfigException($"serial frame '{parts[1]}' must be data bits 5-8, parity N/E/O, stop bits 1-2, e.g. 8N1 or 7E1");
        Parity parity = frame[1] switch
        {
            'N' => Parity.None,
            'E' => Parity.Even,
            'O' => Parity.Odd,
            _ => throw new CameraConfigException($"serial parity '{frame[1]}' in '{parts[1]}' must be N, E or O (mark/space are not supported)"),
        };
        FlowControl flow = parts.Length < 3 ? FlowControl.None : parts[2].ToLowerInvariant() switch
        {
            "none" => FlowControl.None,
            "rtscts" => FlowControl.RtsCts,
            "xonxoff" => FlowControl.XonXoff,
            _ => throw new CameraConfigException($"serial flow control '{parts[2]}' must be none, rtscts or xonxoff"),
        };
        return new SerialSettings
        {
            Device = device,
            BaudRate = baud,
            DataBits = frame[0] - '0',
            Parity = parity,
            StopBits = frame[2] - '0',
            FlowControl = flow,
        };
    }

    public override string ToString() =>
        $"{Device} {BaudRate},{DataBits}{Parity.ToString()[0]}{StopBits}{(FlowControl == FlowControl.None ? "" : "," + FlowControl.ToString().ToLowerInvariant())}";
}
