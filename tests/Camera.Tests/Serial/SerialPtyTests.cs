using System.Diagnostics;
using System.Text;
using EdgeAgent.Camera.Capture;
using EdgeAgent.Camera.Serial;
using EdgeAgent.Camera.Sources;
using EdgeAgent.Camera.Sources.Synthetic;
using EdgeAgent.Camera.Tests.Support;

namespace EdgeAgent.Camera.Tests.Serial;

public class SerialPtyTests : IDisposable
{
    private readonly PtyPair _pty = new();

    public void Dispose() => _pty.Dispose();

    private static string ReadLines(SerialDevice device, int lines, TimeSpan timeout)
    {
        var bytes = new List<byte>();
        var buffer = new byte[64];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            int n = device.Read(buffer);
            for (int i = 0; i < n; i++)
            {
                bytes.Add(buffer[i]);
                if (buffer[i] == '\n' && --lines == 0)
                    return Encoding.UTF8.GetString(bytes.ToArray());
            }
        }
        throw new TimeoutException($"not all lines within {timeout} (got '{Encoding.UTF8.GetString(bytes.ToArray())}')");
    }

    [Fact]
    public void Results_arrive_on_the_other_end_in_the_template_format()
    {
        using var device = SerialDevice.Open(SerialSettings.Parse(_pty.A, "115200,8N1"));
        using var plc = SerialDevice.Open(SerialSettings.Parse(_pty.B, "115200,8N1"));
        var writer = new SerialResultWriter(device, ResultTemplate.Parse(@"REJECT {frameId} {label} {score:F2}\n"));
        writer.Write(new ResultFields(17, "scratch", 0.9271f));
        writer.Write(new ResultFields(18, "dent", 0.5f));
        Assert.Equal("REJECT 17 scratch 0.93\nREJECT 18 dent 0.50\n", ReadLines(plc, 2, TimeSpan.FromSeconds(5)));
        Assert.Equal(2, writer.LinesWritten);
    }

    [Fact]
    public void Line_settings_reach_the_tty()
    {
        using var device = SerialDevice.Open(SerialSettings.Parse(_pty.A, "9600,7E2,rtscts"));
        var psi = new ProcessStartInfo("stty", ["-F", _pty.A, "-a"]) { RedirectStandardOutput = true };
        using var stty = Process.Start(psi)!;
        string settings = stty.StandardOutput.ReadToEnd();
        Assert.True(stty.WaitForExit(5000));
        // A pty keeps cs8 and no parity whatever is asked (the kernel ignores those bits for ptys),
        // so speed, stop bits, hardware handshake and raw mode are what can be seen here; the
        // frame settings are checked on the port's configuration in SerialConfigurationTests.
        string flags = " " + settings.Replace('\n', ' ').Replace(';', ' ') + " ";
        Assert.Contains("speed 9600 baud", settings);
        foreach (string flag in (string[])["cstopb", "crtscts", "-icanon", "-echo", "-isig", "-opost", "-icrnl", "-ixon"])
            Assert.Contains(" " + flag + " ", flags);
    }

    [Fact]
    public void Opening_bad_devices_fails_clearly()
    {
        Assert.Contains("does not exist", Assert.Throws<CameraConfigException>(() => SerialDevice.Open(SerialSettings.Parse("/dev/ttyNOPE9", "9600,8N1"))).Message);
        var ex = Assert.Throws<IOException>(() => SerialDevice.Open(SerialSettings.Parse("/dev/null", "9600,8N1")));
        Assert.Contains("not a serial port", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        string dir = Directory.CreateTempSubdirectory("edgeagent-serial-").FullName;
        try
        {
            string plain = Path.Combine(dir, "ttyFAKE");
            File.WriteAllText(plain, "not a tty");
            Assert.Contains("not a serial port", Assert.Throws<IOException>(() => SerialDevice.Open(SerialSettings.Parse(plain, "9600,8N1"))).Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void An_unplugged_port_is_reopened_when_it_comes_back()
    {
        var log = new ListLog();
        using var device = SerialDevice.Open(SerialSettings.Parse(_pty.A, "115200,8N1"), log);
        using (var plc = SerialDevice.Open(SerialSettings.Parse(_pty.B, "115200,8N1")))
        {
            plc.Write("one\n"u8);
            Assert.Equal("one\n", ReadLines(device, 1, TimeSpan.FromSeconds(5)));
        }

        // The adapter goes away: reads return nothing, writes are dropped and counted, nothing throws.
        _pty.Dispose();
        var clock = Stopwatch.StartNew();
        var buffer = new byte[16];
        while (device.Connected && clock.Elapsed < TimeSpan.FromSeconds(10)) device.Read(buffer);
        Assert.False(device.Connected);
        Assert.Contains(log.Lines, l => l.Contains("failed") && l.Contains(_pty.A));
        device.Write("lost\n"u8);
        Assert.True(device.DroppedWrites >= 1);

        // It comes back under the same name: the device reopens it and bytes flow again.
        using var again = new PtyPair(_pty.A, _pty.B);
        using var plc2 = SerialDevice.Open(SerialSettings.Parse(again.B, "115200,8N1"));
        clock.Restart();
        while (!device.Connected && clock.Elapsed < TimeSpan.FromSeconds(10)) device.Read(buffer);
        Assert.True(device.Connected, "the port was not reopened");
        Assert.Equal(1, device.Reconnects);
        plc2.Write("two\n"u8);
        Assert.Equal("two\n", ReadLines(device, 1, TimeSpan.FromSeconds(5)));
        device.Write("back\n"u8);
        Assert.Equal("back\n", ReadLines(plc2, 1, TimeSpan.FromSeconds(5)));
    }

    private sealed class ListLog : EdgeAgent.Camera.Diagnostics.ICameraLog
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();
        public void Write(EdgeAgent.Camera.Diagnostics.CameraLogLevel level, string message) => Lines.Enqueue(message);
    }

    [Fact]
    public async Task Trigger_lines_grab_and_tag_frames()
    {
        var ct = Timeouts.After(30);
        using var device = SerialDevice.Open(SerialSettings.Parse(_pty.A, "115200,8N1"));
        using var plc = SerialDevice.Open(SerialSettings.Parse(_pty.B, "115200,8N1"));
        var gate = new TriggerGate();
        await using var trigger = new SerialTrigger(device, TriggerPattern.Parse("TRIG"), gate);
        var source = new SyntheticFrameSource((SyntheticSourceSpec)FrameSourceUri.Parse("synthetic:64x48@50"));
        await using var capture = await FrameCapture.StartAsync(source, trigger: gate, cancellationToken: ct);

        // Untriggered frames are skipped, not queued.
        await Timeouts.WaitUntilAsync(() => capture.Skipped >= 5, 10, "skipped frames");
        Assert.Equal(0, capture.Ring.Counters.Captured);

        foreach (string line in (string[])["TRIG\n", "NOISE\n", "TRIG LOT42\r\n"])
        {
            long firedBefore = gate.Fired;
            plc.Write(Encoding.ASCII.GetBytes(line));
            if (line.StartsWith("TRIG"))
                await Timeouts.WaitUntilAsync(() => gate.Fired == firedBefore + 1, 10, "trigger " + line.Trim());
        }

        var tagged = new List<(long TriggerId, long FrameId, long TriggerTimestamp, long CaptureTimestamp)>();
        while (tagged.Count < 2 && await capture.Ring.WaitToReadAsync(ct))
        {
            while (capture.Ring.TryRead(out var lease))
            {
                using (lease)
                    tagged.Add((lease.Info.TriggerId, lease.Info.Id, gate.Find(lease.Info.TriggerId)!.Timestamp, lease.Info.CaptureTimestamp));
            }
        }
        Assert.Equal([1L, 2L], tagged.Select(t => t.TriggerId));
        Assert.All(tagged, t => Assert.True(t.CaptureTimestamp >= t.TriggerTimestamp, "the frame was captured after its trigger"));
        Assert.Equal("LOT42", gate.Find(2)!.Payload);
        Assert.Null(gate.Find(1)!.Payload);
        Assert.Equal(2, capture.Ring.Counters.Captured); // exactly one frame per trigger
    }
}
