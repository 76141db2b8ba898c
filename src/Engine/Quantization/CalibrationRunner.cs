using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Quantization;

/// <summary>
/// Runs calibration data through the (optimized) graph on the reference executor and derives a
/// symmetric INT8 scale (threshold / 127) for every float activation and graph input. MinMax
/// needs one pass; Entropy and Percentile take a second pass that fills a 2048-bin histogram of
/// each tensor over [0, its maximum]. <see cref="Observer"/> can run the graph on a faster
/// executor (the builder uses an FP32 CPU engine); the reference is the default.
/// </summary>
public sealed class CalibrationRunner(Model model, CalibrationMethod method, float percentile = Calibrators.DefaultPercentile)
{
    /// <summary>
    /// Tensors with fewer elements per input set than this are calibrated by MinMax whatever the
    /// method: a 2048-bin histogram of a few thousand values is mostly empty bins, and the entropy
    /// search then clips squeeze-and-excitation vectors and classifier heads hard (on PP-OCR's
    /// direction classifier one such layer's INT8 error went from 0.03 to 0.75 rel L2).
    /// </summary>
    public const int SmallTensorElements = 4096;

    public IProgress<(int Done, int Total)>? Progress { get; init; }

    /// <summary>Runs the float graph on one input set and reports every float tensor it computes; null: the reference executor.</summary>
    public ActivationObserver? Observer { get; init; }

    public Dictionary<string, float> Run(IReadOnlyList<IReadOnlyDictionary<string, Tensor>> batches, CancellationToken cancellationToken = default)
    {
        if (batches.Count == 0) throw new EngineUserException("calibration needs at least one input");
        var executor = Observer is null ? new ReferenceExecutor(model) : null;
        var maxAbs = new Dictionary<string, float>(StringComparer.Ordinal);
        var small = new HashSet<string>(StringComparer.Ordinal);
        int total = method == CalibrationMethod.MinMax ? batches.Count : 2 * batches.Count, done = 0;

        foreach (var batch in batches)
        {
            Observe(batch, executor, (name, values) =>
            {
                maxAbs[name] = MathF.Max(maxAbs.GetValueOrDefault(name), MaxAbs(values));
                if (values.Length < SmallTensorElements) small.Add(name);
            }, cancellationToken);
            Progress?.Report((++done, total));
        }
        if (method == CalibrationMethod.MinMax)
            return maxAbs.ToDictionary(m => m.Key, m => Scale(Calibrators.MinMax(m.Value)));

        var histograms = maxAbs.Where(m => m.Value > 0 && !small.Contains(m.Key)).ToDictionary(m => m.Key, m => new AbsHistogram(m.Value));
        foreach (var batch in batches)
        {
            Observe(batch, executor, (name, values) => { if (histograms.TryGetValue(name, out var h)) h.Add(values); }, cancellationToken);
            Progress?.Report((++done, total));
        }
        return maxAbs.ToDictionary(m => m.Key, m => m.Value == 0 || small.Contains(m.Key) ? Scale(m.Value) : Scale(method == CalibrationMethod.Entropy
            ? Calibrators.Entropy(histograms[m.Key]) : Calibrators.Percentile(histograms[m.Key], percentile)));
    }

    /// <summary>A tensor that never left zero still gets a usable (tiny) scale.</summary>
    private static float Scale(float threshold) => Math.Max(threshold, 1e-8f) / 127f;

    private void Observe(IReadOnlyDictionary<string, Tensor> inputs, ReferenceExecutor? executor, Action<string, float[]> observe, CancellationToken cancellationToken)
    {
        foreach (var (name, tensor) in inputs)
            if (tensor.Data is float[] f) observe(name, f);
        if (Observer is not null)
        {
            Observer(inputs, observe, cancellationToken);
            return;
        }
        executor!.Run(inputs, (node, outputs) =>
        {
            for (int i = 0; i < outputs.Count; i++)
                if (outputs[i].Data is float[] f) observe(node.Outputs[i].Name, f);
        }, cancellationToken);
    }

    private static float MaxAbs(float[] values)
    {
        float max = 0;
        foreach (float v in values) if (float.IsFinite(v)) max = MathF.Max(max, MathF.Abs(v));
        return max;
    }
}

/// <summary>Runs a float graph on <paramref name="inputs"/> and calls <paramref name="observe"/> with every float tensor a node computes.</summary>
public delegate void ActivationObserver(IReadOnlyDictionary<string, Tensor> inputs, Action<string, float[]> observe, CancellationToken cancellationToken);
