using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Agent.Ocr;

/// <summary>
/// One model of the cascade, built once with an optimization profile over the shapes it will
/// see, and compiled for each (batch, height, width) it meets: compiling replays the recorded
/// tactics, so a new shape costs a compile, not a build. Contexts are kept per shape.
/// </summary>
public sealed class ProfiledModel(EnginePlan plan, IBackend backend, string input, int threads) : IOcrModel, IDisposable
{
    private readonly Dictionary<(int, int, int), InferenceContext> _contexts = [];

    public string Name => plan.Model.Name;

    /// <summary>How the cascade's engines are built: backend, precision, tuning.</summary>
    public sealed record BuildSettings(IBackend Backend, int Threads = 0, string? TimingCache = null, bool Autotune = true,
        string Precision = "fp32", Action<string>? Progress = null);

    /// <summary>Builds <paramref name="path"/> for input shapes [N, 3, H, W] from <paramref name="min"/> to <paramref name="max"/>, tuned at <paramref name="opt"/>.</summary>
    public static ProfiledModel Build(string path, string role, int[] min, int[] opt, int[] max, BuildSettings settings)
    {
        settings.Progress?.Invoke($"building the {role} ({Path.GetFileName(path)})");
        var model = Cli.ModelLoading.Load(path);
        if (model.Graph.Inputs.Count != 1)
            throw new Cli.CliUsageException($"the {role} '{path}' has {model.Graph.Inputs.Count} inputs; an OCR model takes one image batch");
        string input = model.Graph.Inputs[0].Name;
        var profile = new OptimizationProfile([new ShapeRange(input, min, opt, max)]);
        var config = new BuilderConfig
        {
            Backend = settings.Backend, Precision = settings.Precision, Profiles = [profile], TimingCachePath = settings.TimingCache,
            Threads = settings.Threads, Autotune = settings.Autotune,
        };
        return new ProfiledModel(EngineBuilder.BuildFile(path, config).Plan, settings.Backend, input, settings.Threads);
    }

    /// <summary>The context for inputs of [batch, 3, height, width], compiled on first use.</summary>
    public InferenceContext For(int batch, int height, int width)
    {
        if (!_contexts.TryGetValue((batch, height, width), out var context))
        {
            var engine = plan.Compile(backend, new Dictionary<string, int[]> { [input] = [batch, 3, height, width] });
            context = engine.CreateContext(threads);
            _contexts[(batch, height, width)] = context;
        }
        return context;
    }

    public ReadOnlySpan<float> Run(ReadOnlySpan<float> batchInput, int batch, int height, int width, out int[] shape, CancellationToken cancellationToken)
    {
        var context = For(batch, height, width);
        context.SetInput(0, batchInput);
        context.Execute(cancellationToken);
        shape = context.Engine.Outputs[0].Shape;
        return context.Output<float>(0);
    }

    /// <summary>Shapes compiled so far.</summary>
    public int Compiled => _contexts.Count;

    public void Dispose()
    {
        foreach (var context in _contexts.Values) context.Dispose();
        _contexts.Clear();
    }
}
