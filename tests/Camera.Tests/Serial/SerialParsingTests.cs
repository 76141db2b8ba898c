using System.Text;
using EdgeAgent.Camera.Serial;

namespace EdgeAgent.Camera.Tests.Serial;

public class SerialSettingsTests
{
    [Theory]
    [InlineData("115200,8N1", 115200, 8, Parity.None, 1, FlowControl.None)]
    [InlineData("9600,7E2", 9600, 7, Parity.Even, 2, FlowControl.None)]
    [InlineData("19200, 8o1 ,rtscts", 19200, 8, Parity.Odd, 1, FlowControl.RtsCts)]
    [InlineData("4000000,5N1,xonxoff", 4000000, 5, Parity.None, 1, FlowControl.XonXoff)]
    public void Valid_settings(string line, int baud, int bits, Parity parity, int stop, FlowControl flow)
    {
        var s = SerialSettings.Parse("/dev/ttyUSB0", line);
        Assert.Equal((baud, bits, parity, stop, flow), (s.BaudRate, s.DataBits, s.Parity, s.StopBits, s.FlowControl));
    }

    [Theory]
    [InlineData("/dev/ttyUSB0", "", "must look like")]
    [InlineData("/dev/ttyUSB0", "115200", "must look like")]
    [InlineData("/dev/ttyUSB0", "115200,8N1,rtscts,extra", "must look like")]
    [InlineData("/dev/ttyUSB0", "115201,8N1", "not supported")]
    [InlineData("/dev/ttyUSB0", "fast,8N1", "not supported")]
    [InlineData("/dev/ttyUSB0", "-9600,8N1", "not supported")]
    [InlineData("/dev/ttyUSB0", "9600,9N1", "data bits 5-8")]
    [InlineData("/dev/ttyUSB0", "9600,8N3", "data bits 5-8")]
    [InlineData("/dev/ttyUSB0", "9600,8N", "data bits 5-8")]
    [InlineData("/dev/ttyUSB0", "9600,8M1", "mark/space")]
    [InlineData("/dev/ttyUSB0", "9600,8N1,dtr", "flow control")]
    [InlineData("", "9600,8N1", "device is empty")]
    [InlineData("ttyUSB0", "9600,8N1", "absolute path")]
    public void Malformed_settings(string device, string line, string expected)
    {
        var ex = Assert.Throws<CameraConfigException>(() => SerialSettings.Parse(device, line));
        Assert.Contains(expected, ex.Message);
    }
}

public class TriggerPatternTests
{
    private static List<string?> Feed(TriggerPattern pattern, params string[] chunks)
    {
        var matcher = pattern.CreateMatcher();
        var hits = new List<string?>();
        foreach (string chunk in chunks)
            foreach (byte b in Encoding.Latin1.GetBytes(chunk))
                if (matcher.Feed(b, out string? payload))
                    hits.Add(payload);
        return hits;
    }

    [Fact]
    public void Word_matches_whole_lines_with_optional_payload()
    {
        var hits = Feed(TriggerPattern.Parse("TRIG"), "TRIG\r\n", "TRIGGER\n", "TRIG LOT42 \n", "xTRIG\n", "TR", "IG\n", "  TRIG  \n", "TRIG");
        Assert.Equal([null, "LOT42", null, null], hits); // "TRIGGER", "xTRIG" and the unterminated one do not count
    }

    [Fact]
    public void Overlong_lines_are_discarded_not_buffered()
    {
        var matcher = TriggerPattern.Parse("line:GO").CreateMatcher();
        int hits = 0;
        foreach (byte b in Encoding.ASCII.GetBytes("GO " + new string('x', 1000) + "\nGO\n"))
            hits += matcher.Feed(b, out _) ? 1 : 0;
        Assert.Equal(1, hits);
        Assert.Equal(1, matcher.OverlongLines);
    }

    [Fact]
    public void Byte_patterns_match_anywhere_including_after_a_false_start()
    {
        var pattern = TriggerPattern.Parse("hex:AA AA 55");
        Assert.Equal([0xAA, 0xAA, 0x55], pattern.Bytes);
        Assert.Equal(2, Feed(pattern, "\x00\xAA\xAA\xAA\x55\x01", "\xAA", "\xAA\x55").Count);
        Assert.Empty(Feed(pattern, "\xAA\x55\xAA\x00\x55"));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("hex:", "even number")]
    [InlineData("hex:ABC", "even number")]
    [InlineData("hex:ZZ", "not a hex byte")]
    [InlineData("line:", "printable ASCII")]
    [InlineData("TWO WORDS", "printable ASCII")]
    [InlineData("TRIG\n", "printable ASCII")]
    [InlineData("TRÏG", "printable ASCII")]
    public void Malformed_patterns(string text, string expected)
    {
        Assert.Contains(expected, Assert.Throws<CameraConfigException>(() => TriggerPattern.Parse(text)).Message);
    }
}

public class ResultTemplateTests
{
    [Fact]
    public void Formats_fields_numbers_and_escapes()
    {
        var t = ResultTemplate.Parse(@"REJECT {frameId} {label} {score:F2}\r\n");
        Assert.Equal("REJECT 17 scratch 0.93\r\n", t.FormatToString(new ResultFields(17, "scratch", 0.9271f)));
        var all = ResultTemplate.Parse("{{{triggerId:D4}}} {classId}/{count} {score} {time} [{tag}]\\t\\\\");
        Assert.Equal("{0042} 3/5 0.5 1700000000000 [LOT 7]\t\\",
            all.FormatToString(new ResultFields(1, "x", 0.5f, ClassId: 3, TriggerId: 42, Count: 5, TimeUnixMs: 1700000000000, Tag: "LOT 7")));
    }

    [Fact]
    public void Text_cannot_break_the_line_protocol()
    {
        var t = ResultTemplate.Parse("{label};{tag}\\n");
        Assert.Equal("bad label;a b\n", t.FormatToString(new ResultFields(0, "bad\nlabel", 0, Tag: "a\rb")));
        Assert.Equal(";\n", t.FormatToString(new ResultFields(0, "", 0)));
    }

    [Fact]
    public void The_text_read_in_a_frame_prints_as_one_line()
    {
        var t = ResultTemplate.Parse("READ {frameId} {count} {text}\n");
        Assert.Equal("READ 7 2 LOT 42 | 2026-04-10\n", t.FormatToString(new ResultFields(7, "text", 0.9f, Count: 2, Text: "LOT 42 | 2026-04-10")));
        Assert.Equal("READ 8 0 a b\n", t.FormatToString(new ResultFields(8, "text", 0, Text: "a\nb")));
    }

    [Fact]
    public void Too_small_buffer_reports_it_and_formatting_allocates_nothing()
    {
        var t = ResultTemplate.Parse("REJECT {frameId} {label} {score:F3}\\n");
        var fields = new ResultFields(123456, "scratch", 0.5f);
        Assert.Equal(-1, t.Format(fields, new byte[10]));
        var buffer = new byte[256];
        t.Format(fields, buffer);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
            t.Format(fields with { FrameId = i }, buffer);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("REJECT {frame}", "unknown placeholder {frame}")]
    [InlineData("REJECT {frameId", "never closed")]
    [InlineData("REJECT frameId}", "without '{'")]
    [InlineData("REJECT {label:F2}", "only numbers take a format")]
    [InlineData("REJECT {text:F2}", "only numbers take a format")]
    [InlineData("REJECT {score:Q9}", "invalid number format")]
    [InlineData("REJECT \\x", "unknown escape")]
    [InlineData("REJECT \\", "lone backslash")]
    public void Malformed_templates(string text, string expected)
    {
        Assert.Contains(expected, Assert.Throws<CameraConfigException>(() => ResultTemplate.Parse(text)).Message);
    }

    [Fact]
    public void Overlong_template_is_rejected()
    {
        Assert.Throws<CameraConfigException>(() => ResultTemplate.Parse(new string('x', ResultTemplate.MaxLength + 1)));
    }
}

public class SerialConfigurationTests
{
    [Theory]
    [InlineData("9600,7E2,rtscts", 9600, 7, System.IO.Ports.Parity.Even, System.IO.Ports.StopBits.Two, System.IO.Ports.Handshake.RequestToSend)]
    [InlineData("115200,8O1", 115200, 8, System.IO.Ports.Parity.Odd, System.IO.Ports.StopBits.One, System.IO.Ports.Handshake.None)]
    [InlineData("19200,8N1,xonxoff", 19200, 8, System.IO.Ports.Parity.None, System.IO.Ports.StopBits.One, System.IO.Ports.Handshake.XOnXOff)]
    [InlineData("1200,5N1", 1200, 5, System.IO.Ports.Parity.None, System.IO.Ports.StopBits.One, System.IO.Ports.Handshake.None)]
    public void Settings_map_onto_the_port(string line, int baud, int bits, System.IO.Ports.Parity parity, System.IO.Ports.StopBits stop, System.IO.Ports.Handshake handshake)
    {
        using var port = SerialDevice.Configure(SerialSettings.Parse("/dev/ttyS0", line));
        Assert.Equal("/dev/ttyS0", port.PortName);
        Assert.Equal(baud, port.BaudRate);
        Assert.Equal(bits, port.DataBits);
        Assert.Equal(parity, port.Parity);
        Assert.Equal(stop, port.StopBits);
        Assert.Equal(handshake, port.Handshake);
        Assert.Equal(SerialDevice.ReadTimeoutMs, port.ReadTimeout);
        Assert.False(port.IsOpen);
    }
}
