using EdgeAgent.Camera;
using EdgeAgent.Camera.Sources;
using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Wire;
using Microsoft.Extensions.Configuration;

namespace EdgeAgent.Agent.Hosting;

/// <summary>A configuration the agent cannot run with; one line naming the key and what to do (exit code 2).</summary>
public sealed class AgentConfigException(string message) : Exception(message);

/// <summary>
/// Reads the agent's configuration: the JSON file, then EDGEAGENT__* environment variables,
/// then the overrides the fleet set with SetConfig (kept in the state folder), and checks
/// everything at once so a broken file is reported before anything starts.
/// </summary>
public static class AgentConfiguration
{
    public const string EnvironmentPrefix = "EDGEAGENT__";
    public const string OverridesFile = "config-overrides.json";

    public static IConfigurationRoot Load(string path)
    {
        if (!File.Exists(path)) throw new AgentConfigException($"configuration file '{path}' does not exist; see config/agent.json for an example");
        try
        {
            var first = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false)
                .AddEnvironmentVariables(EnvironmentPrefix).Build();
            // The overrides live in the state folder, which the file (or the environment) names.
            string? state = first["StateDirectory"];
            string? overrides = string.IsNullOrWhiteSpace(state) ? null : Path.Combine(state, OverridesFile);
            if (overrides is null || !File.Exists(overrides)) return first;
            return new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false)
                .AddEnvironmentVariables(EnvironmentPrefix).AddJsonFile(overrides, optional: true, reloadOnChange: false).Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            throw new AgentConfigException($"configuration file '{path}' is not valid JSON: {Flatten(e)}");
        }
    }

    public static AgentOptions Bind(IConfiguration configuration)
    {
        var options = new AgentOptions();
        try
        {
            configuration.Bind(options, o => o.ErrorOnUnknownConfiguration = false);
        }
        catch (InvalidOperationException e)
        {
            throw new AgentConfigException($"configuration: {Flatten(e)}");
        }
        Validate(options);
        return options;
    }

    private static string Flatten(Exception e)
    {
        while (e.InnerException is not null && e.Message.Length < 20) e = e.InnerException;
        return e.Message.ReplaceLineEndings(" ");
    }

    /// <summary>The broker connection the configuration describes; the host adds session, will and backoff.</summary>
    public static MqttClientOptions MqttOptions(AgentOptions o) => new()
    {
        Broker = BrokerAddress.Parse(o.Mqtt.Broker),
        ClientId = o.DeviceId,
        Username = o.Mqtt.Username,
        Password = o.Mqtt.Password,
        CaFile = o.Mqtt.CaFile,
        CertFile = o.Mqtt.CertFile,
        KeyFile = o.Mqtt.KeyFile,
        TlsSkipHostnameCheck = o.Mqtt.TlsSkipHostnameCheck,
        KeepAliveSeconds = o.Mqtt.KeepAliveSeconds,
    };

    /// <summary>Throws on the first problem, naming the key.</summary>
    public static void Validate(AgentOptions o)
    {
        if (TopicTree.ValidateDeviceId(o.DeviceId) is { } device) throw new AgentConfigException($"DeviceId: {device}");
        if (string.IsNullOrWhiteSpace(o.StateDirectory)) throw new AgentConfigException("StateDirectory is empty");
        if (!BrokerAddress.TryParse(o.Mqtt.Broker, out _, out var broker)) throw new AgentConfigException($"Mqtt:Broker: {broker}");
        if (!PayloadFormats.TryParse(o.Mqtt.PayloadFormat, out _)) throw new AgentConfigException($"Mqtt:PayloadFormat '{o.Mqtt.PayloadFormat}' is not protobuf or json");
        var mqtt = MqttOptions(o);
        if (mqtt.Validate() is { Count: > 0 } mqttProblems) throw new AgentConfigException("Mqtt: " + string.Join("; ", mqttProblems));
        if (mqtt.TlsFileProblem() is { } tls) throw new AgentConfigException("Mqtt: " + tls);
        try
        {
            FrameSourceUri.Parse(o.Camera.Source);
        }
        catch (Exception e) when (e is CameraConfigException or FormatException or ArgumentException)
        {
            throw new AgentConfigException($"Camera:Source: {e.Message}");
        }
        if (o.Camera.RingCapacity is < 1 or > 1024) throw new AgentConfigException($"Camera:RingCapacity {o.Camera.RingCapacity} is outside 1-1024");
        if (string.IsNullOrWhiteSpace(o.Model.Id)) throw new AgentConfigException("Model:Id is empty; name the model this device serves");
        // A missing Model:Onnx is not an error: a freshly installed device may wait for its first deployment.
        if (o.Model.Postprocess is not ("text" or "classification" or "none"))
            throw new AgentConfigException($"Model:Postprocess '{o.Model.Postprocess}' is not text, classification or none");
        if (o.Model.Recognizer is { Length: > 0 } recognizer)
        {
            if (o.Model.Postprocess != "text")
                throw new AgentConfigException($"Model:Recognizer reads text boxes; it needs Model:Postprocess text, not {o.Model.Postprocess}");
            foreach (var (setting, path) in new[] { ("Model:Recognizer", recognizer), ("Model:Classifier", o.Model.Classifier), ("Model:Dictionary", o.Model.DictionaryPath) })
                if (path is { Length: > 0 } && !File.Exists(path))
                    throw new AgentConfigException($"{setting} '{path}' does not exist");
        }
        else if (o.Model.Classifier is { Length: > 0 } || o.Model.Dictionary is { Length: > 0 })
            throw new AgentConfigException("Model:Classifier and Model:Dictionary belong to a Model:Recognizer, which is not set");
        try
        {
            o.Model.Preprocess.ToConfig();
        }
        catch (CameraConfigException e)
        {
            throw new AgentConfigException($"Model:Preprocess: {e.Message}");
        }
        if (o.Engine.Backend is not ("auto" or "cpu" or "cuda")) throw new AgentConfigException($"Engine:Backend '{o.Engine.Backend}' is not auto, cpu or cuda");
        if (o.Engine.Threads < 0 || o.Engine.BuildThreads < 0) throw new AgentConfigException("Engine:Threads and Engine:BuildThreads must not be negative");
        if (o.Pipeline.ResultsEveryNthFrame < 0) throw new AgentConfigException("Pipeline:ResultsEveryNthFrame must not be negative");
        if (o.Pipeline.HandoffCapacity is < 1 or > 256) throw new AgentConfigException("Pipeline:HandoffCapacity is outside 1-256");
        if (o.Pipeline.SerialDevice is { Length: > 0 } serial)
        {
            try
            {
                Camera.Serial.SerialSettings.Parse(serial, o.Pipeline.SerialSettings);
                Camera.Serial.ResultTemplate.Parse(o.Pipeline.SerialTemplate);
            }
            catch (Camera.CameraConfigException e) { throw new AgentConfigException($"Pipeline:Serial*: {e.Message}"); }
        }
        if (o.Deployment.FleetPublicKey is { Length: > 0 } key && !File.Exists(key)) throw new AgentConfigException($"Deployment:FleetPublicKey '{key}' does not exist");
        if (!(o.Deployment.ProbationSeconds >= 0)) throw new AgentConfigException("Deployment:ProbationSeconds must not be negative");
        if (!(o.Deployment.MaxLatencyRatio >= 1)) throw new AgentConfigException("Deployment:MaxLatencyRatio must be at least 1");
        if (o.Deployment.ValidationFrames is < 1 or > 1000) throw new AgentConfigException("Deployment:ValidationFrames is outside 1-1000");
        if (o.Deployment.KeepVersions < 0) throw new AgentConfigException("Deployment:KeepVersions must not be negative");
        if (!(o.Deployment.ChunkStallSeconds > 0)) throw new AgentConfigException("Deployment:ChunkStallSeconds must be positive");
        if (!(o.Telemetry.IntervalSeconds >= 0.2)) throw new AgentConfigException("Telemetry:IntervalSeconds must be at least 0.2");
        if (o.Telemetry.ShadowEveryNthFrame < 0) throw new AgentConfigException("Telemetry:ShadowEveryNthFrame must not be negative");
        if (!(o.Telemetry.ShadowBudget is > 0 and <= 1)) throw new AgentConfigException("Telemetry:ShadowBudget must be within (0, 1]");
        if (o.Telemetry.OutboxMaxMegabytes is < 1 or > 65536) throw new AgentConfigException("Telemetry:OutboxMaxMegabytes is outside 1-65536");
        if (!Enum.TryParse<Serilog.Events.LogEventLevel>(o.Logging.Level, ignoreCase: true, out _))
            throw new AgentConfigException($"Logging:Level '{o.Logging.Level}' is not Verbose, Debug, Information, Warning or Error");
        if (o.Diagnostics.HoldDeploymentIn is { Length: > 0 } hold && hold is not ("Building" or "Validating" or "Activating"))
            throw new AgentConfigException($"Diagnostics:HoldDeploymentIn '{hold}' is not Building, Validating or Activating");
    }
}
