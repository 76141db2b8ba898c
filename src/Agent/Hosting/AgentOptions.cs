using EdgeAgent.Camera.Processing.Pre;

namespace EdgeAgent.Agent.Hosting;

/// <summary>
/// The agent's configuration file (config/agent.json), bound section by section; every key can
/// also come from the environment as EDGEAGENT__Section__Key. Plain mutable classes because the
/// configuration binder fills them; the host validates them once at start.
/// </summary>
public sealed class AgentOptions
{
    /// <summary>MQTT client id and topic level; letters, digits, '-', '_', '.'.</summary>
    public string DeviceId { get; set; } = "";
    /// <summary>Engine store, deployment journal, outbox, transfers.</summary>
    public string StateDirectory { get; set; } = "/var/lib/edgeagent";
    public MqttSection Mqtt { get; set; } = new();
    public CameraSection Camera { get; set; } = new();
    public ModelSection Model { get; set; } = new();
    public EngineSection Engine { get; set; } = new();
    public PipelineSection Pipeline { get; set; } = new();
    public DeploymentSection Deployment { get; set; } = new();
    public TelemetrySection Telemetry { get; set; } = new();
    public LoggingSection Logging { get; set; } = new();
    public DiagnosticsSection Diagnostics { get; set; } = new();
}

public sealed class MqttSection
{
    public string Broker { get; set; } = "mqtt://127.0.0.1:1883";
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string? CaFile { get; set; }
    public string? CertFile { get; set; }
    public string? KeyFile { get; set; }
    /// <summary>Accept a broker certificate that does not name the host (chain and dates are still checked).</summary>
    public bool TlsSkipHostnameCheck { get; set; }
    public int KeepAliveSeconds { get; set; } = 30;
    /// <summary>MQTT 5 message expiry of telemetry in seconds; 0 keeps it until delivered.</summary>
    public uint TelemetryExpirySeconds { get; set; } = 3600;
    /// <summary>protobuf | json, for everything the device publishes.</summary>
    public string PayloadFormat { get; set; } = "protobuf";
    public string TopicPrefix { get; set; } = "edgeagent";
}

public sealed class CameraSection
{
    /// <summary>A source URI as in docs/operations.md (synthetic:640x480@30, rtsp://…, /dev/video0, …).</summary>
    public string Source { get; set; } = "synthetic:640x480@30";
    /// <summary>Frames waiting between capture and inference; the oldest is dropped beyond this.</summary>
    public int RingCapacity { get; set; } = 2;
    /// <summary>Name put in results' <c>source</c> field.</summary>
    public string Name { get; set; } = "camera";
}

public sealed class ModelSection
{
    /// <summary>The model this device serves; deployments name it.</summary>
    public string Id { get; set; } = "";
    /// <summary>ONNX file installed as version <see cref="Version"/> when the store has no active engine yet.</summary>
    public string? Onnx { get; set; }
    public string Version { get; set; } = "1";
    /// <summary>text (DB text detection) | classification | none.</summary>
    public string Postprocess { get; set; } = "none";
    /// <summary>With Postprocess text: a PP-OCR recognizer (ONNX) that reads the text in every box, built on this device at start.</summary>
    public string? Recognizer { get; set; }
    /// <summary>With a recognizer: the PP-OCR direction classifier (ONNX) that turns upside-down lines over first; none when unset.</summary>
    public string? Classifier { get; set; }
    /// <summary>The recognizer's character dictionary; ppocr_keys_v1.txt beside the recognizer when unset.</summary>
    public string? Dictionary { get; set; }

    /// <summary>The dictionary the recognizer reads with (configured, or the default beside it).</summary>
    public string? DictionaryPath => Dictionary is { Length: > 0 } d ? d
        : Recognizer is { Length: > 0 } r ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(r))!, "ppocr_keys_v1.txt") : null;
    public PreprocessSection Preprocess { get; set; } = new();
}

/// <summary>
/// How frames become the model's input (see <see cref="PreprocessConfig"/>). Arrays are null until
/// configured because the binder appends to a non-empty default array instead of replacing it.
/// </summary>
public sealed class PreprocessSection
{
    public int Width { get; set; } = 640;
    public int Height { get; set; } = 640;
    public ResizeMode Resize { get; set; } = ResizeMode.Letterbox;
    public ChannelOrder Channels { get; set; } = ChannelOrder.Rgb;
    public float Scale { get; set; } = 1f / 255f;
    public float[]? Mean { get; set; }
    public float[]? Std { get; set; }

    public PreprocessConfig ToConfig()
    {
        var config = new PreprocessConfig
        {
            Width = Width, Height = Height, Resize = Resize, Channels = Channels, Scale = Scale,
            Mean = Mean ?? [0f, 0f, 0f], Std = Std ?? [1f, 1f, 1f],
        };
        config.Validate();
        return config;
    }
}

public sealed class EngineSection
{
    /// <summary>auto (the GPU when its backend runs here, else the CPU) | cpu | cuda.</summary>
    public string Backend { get; set; } = "auto";
    /// <summary>Threads of the live engine's context; 0 = all cores.</summary>
    public int Threads { get; set; }
    /// <summary>Threads a background build may use, kept low so the live loop never starves.</summary>
    public int BuildThreads { get; set; } = 1;
    /// <summary>Time tactics when building on the device (slower build, faster engine).</summary>
    public bool Autotune { get; set; }
    /// <summary>Honour the model metadata key edgeagent.inject_layer_delay_ms (a deliberately slow engine, for rollback drills).</summary>
    public bool AllowDelayInjection { get; set; }
}

public sealed class PipelineSection
{
    /// <summary>Publish a Result every Nth frame on /results (0 = none).</summary>
    public int ResultsEveryNthFrame { get; set; } = 1;
    /// <summary>Also append every result as a JSON line to this file.</summary>
    public string? ResultsJsonl { get; set; }
    /// <summary>Frames whose outputs wait between inference and post-processing.</summary>
    public int HandoffCapacity { get; set; } = 4;
    /// <summary>Also write every Nth frame's result as one line to this serial port (a PLC, a reject gate), e.g. /dev/ttyTHS1.</summary>
    public string? SerialDevice { get; set; }
    /// <summary>baud,frame[,flow] as in the camera's serial trigger, e.g. 115200,8N1 or 9600,7E1,rtscts.</summary>
    public string SerialSettings { get; set; } = "115200,8N1";
    /// <summary>The line sent per result; placeholders frameId, label, classId, score, count, time (Unix ms).</summary>
    public string SerialTemplate { get; set; } = "{frameId} {label} {score:F3} {count}\\n";
}

public sealed class DeploymentSection
{
    /// <summary>PEM P-256 public key of the fleet; with it, every deploy must be signed by its private key.</summary>
    public string? FleetPublicKey { get; set; }
    /// <summary>When set, deploys naming another signature_key_id are refused.</summary>
    public string? FleetKeyId { get; set; }
    /// <summary>Probation window when the deploy does not give one.</summary>
    public double ProbationSeconds { get; set; } = 60;
    /// <summary>p99 inference latency may grow by this factor over the previous engine's during probation.</summary>
    public double MaxLatencyRatio { get; set; } = 1.5;
    /// <summary>A candidate slower than this on the validation frames (p99) is refused; 0 = no budget.</summary>
    public double LatencyBudgetMs { get; set; }
    public int ValidationFrames { get; set; } = 8;
    /// <summary>Frames the new engine must serve before its p99 is judged.</summary>
    public int MinProbationFrames { get; set; } = 20;
    public bool RollbackOnDrift { get; set; } = true;
    /// <summary>Latency differences below this are jitter, not a regression (small models on a busy CPU).</summary>
    public double LatencySlackMs { get; set; } = 2;
    /// <summary>Versions kept per model besides the active and previous ones.</summary>
    public int KeepVersions { get; set; } = 2;
    /// <summary>A chunked transfer silent this long asks the fleet for its missing chunks.</summary>
    public double ChunkStallSeconds { get; set; } = 10;
}

public sealed class TelemetrySection
{
    public double IntervalSeconds { get; set; } = 10;
    public int OutboxMaxMegabytes { get; set; } = 64;
    /// <summary>With an INT8/FP16 engine, also run every Nth frame through an fp32 reference of the same model (0 = never).</summary>
    public int ShadowEveryNthFrame { get; set; } = 30;
    /// <summary>Most of the wall time the reference runs may take (0.05 = 5 %).</summary>
    public double ShadowBudget { get; set; } = 0.05;
}

public sealed class LoggingSection
{
    /// <summary>Verbose | Debug | Information | Warning | Error.</summary>
    public string Level { get; set; } = "Information";
    /// <summary>Folder for rolling log files (one per day); empty = console only.</summary>
    public string? Directory { get; set; }
    public int RetainedFiles { get; set; } = 7;
}

/// <summary>Crash drills: hold a deployment in one state so a test (or an operator rehearsing) can kill the agent there.</summary>
public sealed class DiagnosticsSection
{
    /// <summary>Building | Validating | Activating; empty = never hold.</summary>
    public string? HoldDeploymentIn { get; set; }
    public double HoldSeconds { get; set; } = 60;
}
