using System.Text;
using System.Text.Json.Nodes;
using EdgeAgent.Camera.Serial;
using EdgeAgent.Camera.Tests.Support;

namespace EdgeAgent.Agent.Tests.EndToEnd;

/// <summary>
/// Results on a serial line (a PLC input, a reject gate): the agent writes one formatted line per
/// result to a real pseudo-terminal, and a bad serial setting stops it at start in one line.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class SerialResultsTests
{
    [Fact]
    public async Task EveryResultIsALineOnTheSerialPortWithItsFrameLabelAndScore()
    {
        using var pty = new PtyPair();
        await using var device = await DeviceUnderTest.CreateAsync(c => c["Pipeline"] = new JsonObject
        {
            ["SerialDevice"] = pty.A,
            ["SerialSettings"] = "115200,8N1",
            ["SerialTemplate"] = "RESULT;{frameId};{label};{score:F3};{count}\\r\\n",
        });
        using var reader = SerialDevice.Open(SerialSettings.Parse(pty.B, "115200,8N1"));
        await device.StartAgentAsync();

        var text = new StringBuilder();
        var buffer = new byte[4096];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && text.ToString().Split("\r\n").Count(l => l.StartsWith("RESULT;", StringComparison.Ordinal)) < 6)
        {
            int n = reader.Read(buffer);
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        var lines = text.ToString().Split("\r\n").Where(l => l.StartsWith("RESULT;", StringComparison.Ordinal)).Take(6).ToList();
        Assert.True(lines.Count == 6, $"six result lines, got: {text}\n{device.AgentOutput()}");
        long previous = -1;
        foreach (var line in lines)
        {
            var parts = line.Split(';');
            Assert.True(parts.Length == 5, $"five fields in '{line}'");
            long frame = long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(frame > previous, $"frame ids increase: {string.Join(" | ", lines)}");
            previous = frame;
            // The direction classifier has no label file: its two classes are named by id.
            Assert.Matches("^class [01]$", parts[2]);
            double score = double.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(score, 0.0, 1.0);
            Assert.Equal("1", parts[4]);
        }
    }

    [Fact]
    public void AMissingSerialPortIsAOneLineErrorAtStart()
    {
        string dir = Directory.CreateTempSubdirectory("edgeagent-serial-").FullName;
        try
        {
            string path = Path.Combine(dir, "agent.json");
            File.WriteAllText(path, $$"""
                { "DeviceId": "d1", "StateDirectory": "{{dir}}/state", "Model": { "Id": "m" },
                  "Pipeline": { "SerialDevice": "{{dir}}/tty-missing", "SerialSettings": "9600,9Z1" } }
                """);
            var result = Cli.CliRunner.Run("run", "--config", path);
            Assert.Equal(2, result.ExitCode);
            Assert.Single(result.ErrorLines);
            Assert.Contains("serial frame '9Z1'", result.Error);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
