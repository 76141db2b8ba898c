using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Agent.Ocr;

/// <summary>
/// One model of the cascade, built once with an optimization profile over batch and width, and
/// compiled for each (batch, height, width) it meets: compiling replays the recorded tactics,
/// so a new shape costs a compile, not a build. Contexts are kept per shape.
/// </summary>
public sealed class ProfiledModel(EnginePlan plan, IBackend backend, string input, int threads) : IOcrModel, IDisposable
{
    private readonly Dictionary<(int, int, int), InferenceContext> _contexts = [];

    public string Name => plan.Model.Name;

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
