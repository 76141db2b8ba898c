using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Tests.Wire;

public sealed class CommandValidatorTests
{
    public static TheoryData<string, Func<Command, Command>> Broken() => new()
    {
        { "command_id is empty", c => { c.CommandId = ""; return c; } },
        { "no body", c => { c.ClearBody(); return c; } },
        { "newer than", c => { c.SchemaVersion = 99; return c; } },
        { "expired", c => { c.ExpiresAt = Timestamp.FromDateTimeOffset(WireSamples.Now.AddMinutes(-1)); return c; } },
        { "model_id", c => { c.Deploy.ModelId = ""; return c; } },
        { "version", c => { c.Deploy.Version = " "; return c; } },
        { "kind", c => { c.Deploy.Kind = ArtifactKind.Unspecified; return c; } },
        { "sha256", c => { c.Deploy.Sha256 = "ABC"; return c; } },
        { "sha256", c => { c.Deploy.Sha256 = new string('A', 64); return c; } },
        { "unsigned", c => { c.Deploy.Signature = ByteString.Empty; return c; } },
        { "no source", c => { c.Deploy.ClearSource(); return c; } },
        { "not an http", c => { c.Deploy.Url.Url = "ftp://x/y"; return c; } },
        { "do not match", c => { c.Deploy.Chunked = new ChunkedSource { TotalBytes = 100, ChunkCount = 5, ChunkSize = 10 }; return c; } },
        { "calibration policy", c => { c.Deploy.Precision.Calibration = null; return c; } },
        { "min_cosine", c => { c.Deploy.Validation.MinCosine = 2; return c; } },
        { "min_top1", c => { c.Deploy.Validation.MinTop1Agreement = double.NaN; return c; } },
        { "set_config has no values", c => { c.SetConfig = new SetConfig(); return c; } },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void InvalidCommandsAreRejectedWithAReason(string expected, Func<Command, Command> breakIt)
    {
        var reason = CommandValidator.Validate(breakIt(WireSamples.Deploy()), WireSamples.Now);
        Assert.NotNull(reason);
        Assert.Contains(expected, reason);
    }

    [Fact]
    public void ChunkCrcIsChecked()
    {
        var good = WireSamples.Chunk(0, [9, 8, 7]);
        Assert.Null(CommandValidator.Validate(good, WireSamples.Now));
        good.Chunk.Crc32C ^= 1;
        Assert.Contains("CRC-32C", CommandValidator.Validate(good, WireSamples.Now));
    }

    [Fact]
    public void Crc32CMatchesTheStandardCheckValue() =>
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));

    [Theory]
    [InlineData("cam-07", true)]
    [InlineData("a.b_c-9", true)]
    [InlineData("", false)]
    [InlineData("a/b", false)]
    [InlineData("a+b", false)]
    [InlineData("dev#", false)]
    [InlineData("caméra", false)]
    public void DeviceIdsMustBePlainTopicTokens(string id, bool ok)
    {
        Assert.Equal(ok, TopicTree.ValidateDeviceId(id) is null);
        if (ok) Assert.Equal($"edgeagent/{id}/cmd", TopicTree.Create(id).Commands);
        else Assert.Throws<ArgumentException>(() => TopicTree.Create(id));
    }

    [Theory]
    [InlineData("json", PayloadFormat.Json)]
    [InlineData(" Protobuf ", PayloadFormat.Protobuf)]
    public void PayloadFormatParses(string text, PayloadFormat expected)
    {
        Assert.True(PayloadFormats.TryParse(text, out var format));
        Assert.Equal(expected, format);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("xml")]
    public void UnknownPayloadFormatIsRejected(string? text) => Assert.False(PayloadFormats.TryParse(text, out _));
}
