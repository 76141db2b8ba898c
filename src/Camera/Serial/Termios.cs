using System.Runtime.InteropServices;

namespace EdgeAgent.Camera.Serial;

/// <summary>
/// The termios calls that configure a Linux tty (System.IO.Ports is not available here). Constants
/// are the asm-generic values shared by x86-64 and arm64 (Jetson).
/// </summary>
internal static unsafe partial class Termios
{
    public const int O_RDWR = 2;
    public const int O_NOCTTY = 0x100;
    public const int O_CLOEXEC = 0x80000;
    public const int TCSANOW = 0;
    public const int TCIOFLUSH = 2;

    public const uint CSIZE = 0x30, CS5 = 0x0, CS6 = 0x10, CS7 = 0x20, CS8 = 0x30;
    public const uint CSTOPB = 0x40, CREAD = 0x80, PARENB = 0x100, PARODD = 0x200, CLOCAL = 0x800, CRTSCTS = 0x80000000;
    public const uint INPCK = 0x10, IXON = 0x400, IXOFF = 0x1000;
    public const int VTIME = 5, VMIN = 6;

    /// <summary>glibc's struct termios (60 bytes on 64-bit Linux).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TermiosStruct
    {
        public uint c_iflag;
        public uint c_oflag;
        public uint c_cflag;
        public uint c_lflag;
        public byte c_line;
        public fixed byte c_cc[32];
        public uint c_ispeed;
        public uint c_ospeed;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    public static partial int TcGetAttr(int fd, TermiosStruct* termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    public static partial int TcSetAttr(int fd, int optionalActions, TermiosStruct* termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    public static partial void CfMakeRaw(TermiosStruct* termios);

    [LibraryImport("libc", EntryPoint = "cfsetispeed", SetLastError = true)]
    public static partial int CfSetISpeed(TermiosStruct* termios, uint speed);

    [LibraryImport("libc", EntryPoint = "cfsetospeed", SetLastError = true)]
    public static partial int CfSetOSpeed(TermiosStruct* termios, uint speed);

    [LibraryImport("libc", EntryPoint = "tcflush", SetLastError = true)]
    public static partial int TcFlush(int fd, int queueSelector);

    public static uint SpeedConstant(int baud) => baud switch
    {
        1200 => 9, 1800 => 10, 2400 => 11, 4800 => 12, 9600 => 13, 19200 => 14, 38400 => 15,
        57600 => 4097, 115200 => 4098, 230400 => 4099, 460800 => 4100, 500000 => 4101, 576000 => 4102,
        921600 => 4103, 1000000 => 4104, 1152000 => 4105, 1500000 => 4106, 2000000 => 4107,
        2500000 => 4108, 3000000 => 4109, 3500000 => 4110, 4000000 => 4111,
        _ => throw new CameraConfigException($"serial baud rate {baud} is not supported"),
    };

    /// <summary>Raw mode with the given line settings; reads return after 100 ms even with no data, so readers can stop.</summary>
    public static void Configure(int fd, SerialSettings s)
    {
        TermiosStruct t;
        if (TcGetAttr(fd, &t) != 0)
            throw Error($"{s.Device} is not a serial port (tcgetattr)");
        CfMakeRaw(&t);
        uint speed = SpeedConstant(s.BaudRate);
        if (CfSetISpeed(&t, speed) != 0 || CfSetOSpeed(&t, speed) != 0)
            throw Error($"{s.Device}: cannot set {s.BaudRate} baud");
        ApplyLineSettings(ref t, s);
        if (TcSetAttr(fd, TCSANOW, &t) != 0)
            throw Error($"{s.Device}: cannot apply {s}");
        TcFlush(fd, TCIOFLUSH);
    }

    /// <summary>Frame format, handshake and read timeout bits; separate so they can be checked without hardware.</summary>
    public static void ApplyLineSettings(ref TermiosStruct t, SerialSettings s)
    {
        t.c_cflag &= ~(CSIZE | CSTOPB | PARENB | PARODD | CRTSCTS);
        t.c_cflag |= CREAD | CLOCAL | s.DataBits switch { 5 => CS5, 6 => CS6, 7 => CS7, _ => CS8 };
        if (s.StopBits == 2)
            t.c_cflag |= CSTOPB;
        if (s.Parity != Parity.None)
        {
            t.c_cflag |= PARENB;
            t.c_iflag |= INPCK;
            if (s.Parity == Parity.Odd)
                t.c_cflag |= PARODD;
        }
        if (s.FlowControl == FlowControl.RtsCts)
            t.c_cflag |= CRTSCTS;
        if (s.FlowControl == FlowControl.XonXoff)
            t.c_iflag |= IXON | IXOFF;
        t.c_cc[VMIN] = 0;
        t.c_cc[VTIME] = 1;
    }

    public static IOException Error(string what)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }
}
