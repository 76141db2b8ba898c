using EdgeAgent.Agent.Tests.Cli;

namespace EdgeAgent.Agent.Tests.EndToEnd;

/// <summary><c>edgeagent run</c> with a configuration it cannot use: one line naming the problem, exit code 2, nothing started.</summary>
public sealed class ServiceConfigTests
{
    [Fact]
    public void AMissingConfigFileIsAOneLineUserError()
    {
        var result = CliRunner.Run("run", "--config", "/nonexistent/agent.json");
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.ErrorLines);
        Assert.Contains("/nonexistent/agent.json", result.Error);
    }

    [Theory]
    [InlineData("{ \"DeviceId\": \"has space\", \"Model\": { \"Id\": \"m\" } }", "DeviceId")]
    [InlineData("{ \"DeviceId\": \"d1\", \"Model\": { \"Id\": \"m\" }, \"Mqtt\": { \"Broker\": \"http://x\" } }", "Mqtt:Broker")]
    [InlineData("{ \"DeviceId\": \"d1\", \"Model\": { \"Id\": \"m\" }, \"Camera\": { \"Source\": \"synthetic:0x0@1\" } }", "Camera:Source")]
    [InlineData("{ \"DeviceId\": \"d1\" }", "Model:Id")]
    [InlineData("{ \"DeviceId\": \"d1\", \"Model\": { \"Id\": \"m\" }, \"Mqtt\": { \"Broker\": \"mqtts://b\", \"CaFile\": \"/proc/version\" } }", "holds no PEM certificate")]
    [InlineData("{ \"DeviceId\": \"d1\", \"Model\": { \"Id\": \"m\" }, \"Mqtt\": { \"Broker\": \"mqtts://b\", \"CertFile\": \"/proc/version\" } }", "together")]
    [InlineData("{ \"DeviceId\": \"d1\", \"Model\": { \"Id\": \"m\" }, \"Telemetry\": { \"IntervalSeconds\": \"often\" } }", "IntervalSeconds")]
    [InlineData("{ \"DeviceId\": ", "not valid JSON")]
    [InlineData("{ \"DeviceId\": \"d1\", \"Model\": { \"Id\": \"m\", \"Postprocess\": \"text\", \"Recognizer\": \"/nonexistent/rec.onnx\" } }", "Model:Recognizer '/nonexistent/rec.onnx' does not exist")]
    [InlineData("{ \"DeviceId\": \"d1\", \"Model\": { \"Id\": \"m\", \"Postprocess\": \"classification\", \"Recognizer\": \"/proc/version\" } }", "needs Model:Postprocess text")]
    [InlineData("{ \"DeviceId\": \"d1\", \"Model\": { \"Id\": \"m\", \"Postprocess\": \"text\", \"Recognizer\": \"/proc/version\" } }", "Model:Dictionary '/proc/ppocr_keys_v1.txt' does not exist")]
    [InlineData("{ \"DeviceId\": \"d1\", \"Model\": { \"Id\": \"m\", \"Classifier\": \"/proc/version\" } }", "which is not set")]
    public void ABadSettingIsNamedInOneLine(string json, string named)
    {
        string dir = Directory.CreateTempSubdirectory("edgeagent-config-").FullName;
        try
        {
            string path = Path.Combine(dir, "agent.json");
            // Keep the state folder inside the test's temp folder (the default is /var/lib/edgeagent).
            string text = json.TrimEnd().EndsWith('}') ? json[..json.LastIndexOf('}')] + $", \"StateDirectory\": \"{dir}/state\" }}" : json;
            File.WriteAllText(path, text);
            var result = CliRunner.Run("run", "--config", path);
            Assert.Equal(2, result.ExitCode);
            Assert.Single(result.ErrorLines);
            Assert.Contains(named, result.Error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
