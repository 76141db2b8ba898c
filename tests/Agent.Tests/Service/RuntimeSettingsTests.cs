using EdgeAgent.Agent.Hosting;
using Serilog.Core;
using Serilog.Events;

namespace EdgeAgent.Agent.Tests.Service;

public sealed class RuntimeSettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeagent-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void WhitelistedValuesApplyAtOnceAndAreSaved()
    {
        var options = new AgentOptions();
        var level = new LoggingLevelSwitch();
        string path = Path.Combine(_dir, "overrides.json");
        var settings = new RuntimeSettings(options, level, path);
        Assert.Null(settings.Apply(new Dictionary<string, string> { ["Telemetry:IntervalSeconds"] = "2.5", ["logging:level"] = "Warning" }));
        Assert.Equal(2.5, options.Telemetry.IntervalSeconds);
        Assert.Equal(LogEventLevel.Warning, level.MinimumLevel);
        Assert.Null(settings.Apply(new Dictionary<string, string> { ["Deployment:ProbationSeconds"] = "30" }));
        string saved = File.ReadAllText(path);
        Assert.Contains("Telemetry:IntervalSeconds", saved);
        Assert.Contains("Deployment:ProbationSeconds", saved); // both batches kept
    }

    [Theory]
    [InlineData("Mqtt:Broker", "mqtt://x", "cannot be changed")]
    [InlineData("Telemetry:IntervalSeconds", "0", "from 0.2")]
    [InlineData("Pipeline:ResultsEveryNthFrame", "1.5", "whole number")]
    [InlineData("Deployment:RollbackOnDrift", "maybe", "true or false")]
    public void OtherKeysAndBadValuesAreRefusedAndChangeNothing(string key, string value, string reason)
    {
        var options = new AgentOptions();
        var settings = new RuntimeSettings(options, new LoggingLevelSwitch(), Path.Combine(_dir, "o.json"));
        var problem = settings.Apply(new Dictionary<string, string> { ["Telemetry:IntervalSeconds"] = "3", [key] = value });
        Assert.NotNull(problem);
        Assert.Contains(reason, problem);
        Assert.Equal(10, options.Telemetry.IntervalSeconds); // all or nothing
        Assert.False(File.Exists(Path.Combine(_dir, "o.json")));
    }
}
