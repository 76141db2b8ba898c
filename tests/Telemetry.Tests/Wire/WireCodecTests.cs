using System.Text;
using Google.Protobuf;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Tests.Wire;

public sealed class WireCodecTests
{
    public static TheoryData<IMessage> Messages() =>
    [
        WireSamples.Telemetry(),
        WireSamples.Deploy(),
        WireSamples.Chunk(3, [1, 2, 3, 4, 5]),
        new Reply { Header = WireSamples.Header(), CommandId = "c-1", State = CommandState.Downloading, ProgressPercent = 40 },
        new Reply { Header = WireSamples.Header(), CommandId = "c-1", State = CommandState.RolledBack, Reason = "p99 latency 1.5x baseline" },
        new Status { Header = WireSamples.Header(), State = Status.Types.State.Online, AgentVersion = "0.1.0", Engine = WireSamples.Engine },
        new Event
        {
            Header = WireSamples.Header(), Severity = Event.Types.Severity.Warning, Kind = "drift", Message = "cosine fell",
            Drift = new DriftEvent { Signal = DriftEvent.Types.Signal.Shadow, Metric = "cosine_mean", Value = 0.91, Threshold = 0.95, Samples = 40 },
            Attributes = { ["camera"] = "dock-2" },
        },
        new Result
        {
            Header = WireSamples.Header(), FrameId = 9,
            Detections = new Detections { Items = { new Detection { Box = new BoundingBox { XMin = 0.1f, YMin = 0.2f, XMax = 0.3f, YMax = 0.4f }, ClassId = 2, Label = "car", Score = 0.9f } } },
        },
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void EveryMessageRoundTripsInBothFormats(IMessage message)
    {
        foreach (var format in new[] { PayloadFormat.Protobuf, PayloadFormat.Json })
        {
            var bytes = WireCodec.Encode(message, format);
            Assert.Equal(format, WireCodec.Detect(bytes));
            var decoded = message.Descriptor.Parser.ParseFrom(WireCodec.Encode(message, PayloadFormat.Protobuf));
            Assert.Equal(message, decoded);
            if (format == PayloadFormat.Json)
            {
                var parsed = JsonParser.Default.Parse(Encoding.UTF8.GetString(bytes), message.Descriptor);
                Assert.Equal(message, parsed);
            }
        }
    }

    [Fact]
    public void JsonUsesCanonicalNamesEnumsAndTimestamps()
    {
        var json = WireCodec.ToJson(WireSamples.Telemetry());
        Assert.Contains("\"deviceId\": \"cam-07\"", json);
        Assert.Contains("\"seq\": \"42\"", json); // 64-bit integers are strings in proto JSON
        Assert.Contains("\"time\": \"2026-11-22T10:00:00Z\"", json);
        Assert.Contains("\"stage\": \"STAGE_INFERENCE\"", json);
        Assert.Contains("\"precision\": \"PRECISION_INT8\"", json);
        Assert.DoesNotContain("memoryUsedBytes", json); // absent GPU counters stay absent
    }

    [Fact]
    public void CommandsDecodeFromEitherFormat()
    {
        var command = WireSamples.Deploy();
        foreach (var format in new[] { PayloadFormat.Protobuf, PayloadFormat.Json })
        {
            Assert.True(WireCodec.TryDecode(WireCodec.Encode(command, format), Command.Parser, out var decoded, out var error), error);
            Assert.Equal(command, decoded);
            Assert.Null(CommandValidator.Validate(decoded, WireSamples.Now));
        }
    }

    [Fact]
    public void UnknownJsonFieldsAreIgnoredForForwardCompatibility()
    {
        var json = """{"commandId":"c-9","ping":{"nonce":"AQI="},"addedInV2":{"x":1}}"""u8.ToArray();
        Assert.True(WireCodec.TryDecode(json, Command.Parser, out var command, out var error), error);
        Assert.Equal(Command.BodyOneofCase.Ping, command.BodyCase);
        Assert.Equal([1, 2], command.Ping.Nonce.ToByteArray());
    }

    public static TheoryData<byte[], string> MalformedPayloads() => new()
    {
        { "{\"commandId\": "u8.ToArray(), "malformed" },
        { "{\"commandId\": 12, \"ping\": []}"u8.ToArray(), "malformed" },
        { "{\"deploy\": {\"kind\": \"ARTIFACT_KIND_BANANA\"}}"u8.ToArray(), "malformed" },
        { [(byte)'{', 0xff, 0xfe, (byte)'}'], "UTF-8" },
        { [0x0a, 0xff, 0x01], "malformed" },             // length-delimited field longer than the payload
        { [0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], "malformed" }, // varint over 10 bytes
        { [0x07], "malformed" },                          // wire type 7 does not exist
        { new byte[WireCodec.MaxPayloadBytes + 1], "limit" },
    };

    [Theory]
    [MemberData(nameof(MalformedPayloads))]
    public void MalformedCommandPayloadsAreRejectedWithoutThrowing(byte[] payload, string expected)
    {
        Assert.False(WireCodec.TryDecode(payload, Command.Parser, out Command _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void RandomBytesNeverThrow()
    {
        var random = new Random(7);
        for (int i = 0; i < 2000; i++)
        {
            var payload = new byte[random.Next(0, 64)];
            random.NextBytes(payload);
            if (WireCodec.TryDecode(payload, Command.Parser, out Command command, out _))
                _ = CommandValidator.Validate(command, WireSamples.Now); // must not throw either
        }
    }
}
