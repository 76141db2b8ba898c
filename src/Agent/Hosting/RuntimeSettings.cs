using System.Globalization;
using System.Text.Json;
using EdgeAgent.Agent.Store;
using Serilog.Core;
using Serilog.Events;

namespace EdgeAgent.Agent.Hosting;

/// <summary>
/// The settings the fleet may change at run time (SetConfig), by configuration key. Only the
/// keys listed here are accepted, each range-checked; accepted values take effect at once and
/// are kept in the state folder's overrides file, which the next start layers over the config.
/// </summary>
public sealed class RuntimeSettings(AgentOptions options, LoggingLevelSwitch level, string overridesPath)
{
    private readonly Lock _gate = new();

    private sealed record Setting(Func<string, string?> Check, Action<string> Apply);

    private Dictionary<string, Setting> Settings() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Telemetry:IntervalSeconds"] = Number(0.2, 3600, v => options.Telemetry.IntervalSeconds = v),
        ["Pipeline:ResultsEveryNthFrame"] = Number(0, 1_000_000, v => options.Pipeline.ResultsEveryNthFrame = (int)v, integer: true),
        ["Deployment:ProbationSeconds"] = Number(0, 7 * 86400, v => options.Deployment.ProbationSeconds = v),
        ["Deployment:MaxLatencyRatio"] = Number(1, 100, v => options.Deployment.MaxLatencyRatio = v),
        ["Deployment:LatencyBudgetMs"] = Number(0, 600_000, v => options.Deployment.LatencyBudgetMs = v),
        ["Deployment:MinProbationFrames"] = Number(1, 1_000_000, v => options.Deployment.MinProbationFrames = (int)v, integer: true),
        ["Deployment:RollbackOnDrift"] = new(v => bool.TryParse(v, out _) ? null : "must be true or false",
            v => options.Deployment.RollbackOnDrift = bool.Parse(v)),
        ["Logging:Level"] = new(v => Enum.TryParse<LogEventLevel>(v, true, out _) ? null : "must be Verbose, Debug, Information, Warning or Error",
            v => { options.Logging.Level = v; level.MinimumLevel = Enum.Parse<LogEventLevel>(v, true); }),
    };

    public static IReadOnlyList<string> Keys => new RuntimeSettings(new AgentOptions(), new LoggingLevelSwitch(), "").Settings().Keys.Order().ToList();

    private static Setting Number(double min, double max, Action<double> apply, bool integer = false) => new(
        v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d >= min && d <= max && (!integer || d == Math.Floor(d))
            ? null : $"must be {(integer ? "a whole number" : "a number")} from {min} to {max}",
        v => apply(double.Parse(v, CultureInfo.InvariantCulture)));

    /// <summary>All or nothing: the first refused key is returned (and nothing changes), else every value is applied and saved.</summary>
    public string? Apply(IReadOnlyDictionary<string, string> values)
    {
        var settings = Settings();
        foreach (var (key, value) in values)
        {
            if (!settings.TryGetValue(key, out var setting))
                return $"'{key}' cannot be changed at run time (allowed: {string.Join(", ", settings.Keys.Order())})";
            if (setting.Check(value) is { } problem) return $"'{key}' = '{value}' {problem}";
        }
        lock (_gate)
        {
            foreach (var (key, value) in values) settings[key].Apply(value);
            Save(values);
        }
        return null;
    }

    private void Save(IReadOnlyDictionary<string, string> values)
    {
        var all = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (File.Exists(overridesPath))
        {
            try
            {
                foreach (var (k, v) in JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(overridesPath)) ?? []) all[k] = v;
            }
            catch (JsonException)
            {
                // A damaged overrides file is replaced by what the fleet just asked for.
            }
        }
        foreach (var (k, v) in values) all[k] = v;
        DurableFile.WriteAllText(overridesPath, JsonSerializer.Serialize(all, new JsonSerializerOptions { WriteIndented = true }));
    }
}
