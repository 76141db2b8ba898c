using System.Globalization;
using EdgeAgent.Agent.Cli;
using EdgeAgent.Agent.Hosting;
using EdgeAgent.Agent.Pipeline;
using EdgeAgent.Engine;
using EdgeAgent.Camera.Processing.Pre;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Format;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Quantization;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Agent.Engines;

/// <summary>An engine file built on this device, with the engine compiled from it.</summary>
public sealed record BuiltEngine(byte[] File, EnginePlan Plan, InferenceEngine Engine);

/// <summary>
/// Builds and opens the agent's engines: picks the backend the way the command line does
/// ("auto" = the GPU when its backend runs here, else the CPU), builds from ONNX for the
/// configured input size, reads engine files and says when one was built for other hardware.
/// </summary>
public sealed class EngineFactory(EngineSection options, PreprocessConfig preprocess)
{
    /// <summary>ONNX metadata asking for a per-layer delay in milliseconds (honoured only with Engine:AllowDelayInjection).</summary>
    public const string DelayMetadataKey = "edgeagent.inject_layer_delay_ms";

    public PreprocessConfig Preprocess => preprocess;

    /// <summary>
    /// The backend engines of <paramref name="precision"/> run on: "auto" is the GPU when its
    /// backend runs here at that precision, else the CPU; "cuda" without a GPU is a user error.
    /// </summary>
    public IBackend Backend(int threads, string precision = "fp32") => EngineSource.Backend(options.Backend, threads, precision);

    /// <summary>The CPU, for serving while the real backend's engine is rebuilt.</summary>
    public static IBackend Cpu(int threads) => EngineSource.Backend("cpu", threads);

    public int LiveThreads => options.Threads;

    /// <summary>
    /// Builds an engine from an ONNX file for <paramref name="backend"/> with the live loop's
    /// input size. Runs on the caller's thread: callers put it on a low-priority one.
    /// </summary>
    /// <param name="calibration">Pre-processed input frames (NCHW float) to calibrate INT8 scales with; none for fp32.</param>
    public BuiltEngine Build(string onnxPath, IBackend backend, bool autotune, IProgress<BuildProgress>? progress, CancellationToken cancellationToken,
        string precision = "fp32", IReadOnlyList<float[]>? calibration = null)
    {
        var header = OnnxImporter.Load(onnxPath);
        if (header.Graph.Inputs.Count != 1)
            throw new EngineUserException($"model '{Path.GetFileName(onnxPath)}' has {header.Graph.Inputs.Count} inputs; the live loop feeds exactly one image");
        var input = header.Graph.Inputs[0];
        var shapes = new Dictionary<string, TensorShape>();
        if (input.Shape is { IsStatic: false }) shapes[input.Name] = TensorShape.Of(1, 3, preprocess.Height, preprocess.Width);
        var config = new BuilderConfig
        {
            Backend = WithRequestedDelay(backend, header.Metadata),
            Autotune = autotune,
            Precision = precision,
            Threads = Math.Max(1, options.BuildThreads),
            Progress = progress,
            Calibration = calibration is { Count: > 0 }
                ? new CalibrationOptions
                {
                    // A handful of live frames: percentile ranges are steadier than entropy
                    // histograms on so few samples.
                    Method = CalibrationMethod.Percentile,
                    Data = calibration.Select(frame => (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor>
                    {
                        [input.Name] = Tensor.FromFloats(frame, 1, 3, preprocess.Height, preprocess.Width),
                    }).ToList(),
                }
                : null,
        };
        var result = EngineBuilder.BuildFile(onnxPath, config, shapes, cancellationToken);
        return new BuiltEngine(EngineSerializer.Write(result.Plan), result.Plan, result.Engine);
    }

    /// <summary>Reads an engine file (integrity checked) and compiles it for the backend of its precision here.</summary>
    public (EnginePlan Plan, InferenceEngine Engine) Open(byte[] file, string name)
    {
        var plan = EngineSerializer.Read(file, name);
        var backend = Backend(options.Threads, plan.Precision);
        Dictionary<string, int[]>? shapes = null;
        if (plan.Profiles.Count > 0)
            shapes = plan.Profiles[0].Inputs.ToDictionary(r => r.Input, _ => new[] { 1, 3, preprocess.Height, preprocess.Width });
        return (plan, plan.Compile(WithRequestedDelay(backend, plan.Model.Metadata), shapes));
    }

    /// <summary>Why an engine file cannot run here (another GPU, driver, CPU or format), or null.</summary>
    public string? Mismatch(byte[] file, string name)
    {
        try
        {
            return Mismatch(file, name, Backend(1, EngineSerializer.Read(file, name).Precision));
        }
        catch (EngineFormatException e)
        {
            return e.Message;
        }
    }

    /// <summary>Why an engine file cannot run on <paramref name="backend"/>, or null.</summary>
    public static string? Mismatch(byte[] file, string name, IBackend backend)
    {
        try
        {
            var plan = EngineSerializer.Read(file, name);
            return backend.Fingerprint.DifferenceFrom(plan.Fingerprint);
        }
        catch (EngineFormatException e)
        {
            return e.Message;
        }
    }

    /// <summary>Ready for the live loop: compiled engine plus its own context and pre-processing.</summary>
    public LoadedEngine Load(string modelId, string version, string engineId, InferenceEngine engine, string precision = "fp32") =>
        new(version, engine, preprocess, options.Threads) { ModelId = modelId, EngineId = engineId, Precision = precision };

    private IBackend WithRequestedDelay(IBackend backend, IReadOnlyDictionary<string, string> metadata)
    {
        if (!options.AllowDelayInjection || !metadata.TryGetValue(DelayMetadataKey, out var text)) return backend;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double ms) || ms is <= 0 or > 10_000) return backend;
        return new DelayInjectingBackend(backend, TimeSpan.FromMilliseconds(ms));
    }
}
