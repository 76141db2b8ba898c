using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Passes;

namespace EdgeAgent.Engine.Quantization;

/// <summary>
/// The quantization step of an INT8 build, between the optimizer and tactic selection: scales
/// from the calibration cache, or calibration on the FP32 engine (then written to the cache),
/// overlaid by the scales a QDQ model states; under best, the sensitivity pass picks the layers
/// that stay FP32; then the <see cref="Int8Rewrite"/>.
/// </summary>
public static class Int8Quantizer
{
    public static QuantizationReport Apply(Model model, string modelSha256, CalibrationOptions options, IReadOnlyDictionary<string, float> qdqScales,
        bool best, IConstantEvaluator evaluator, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var scales = new Dictionary<string, float>(StringComparer.Ordinal);
        string source;
        var cache = ReadCache(options.CachePath);
        string? mismatch = cache?.Mismatch(modelSha256, options.Method);
        using var observer = options.Data.Count > 0 || best ? new FloatEngineObserver(model) : null;
        if (cache is not null && mismatch is null)
        {
            foreach (var (name, scale) in cache.Scales) scales[name] = scale;
            source = $"calibration cache {options.CachePath} ({cache.Scales.Count} tensors, no calibration run)";
        }
        else if (options.Data.Count > 0)
        {
            progress?.Report($"calibrating on {options.Data.Count} input sets");
            var runner = new CalibrationRunner(model, options.Method, options.Percentile) { Observer = observer!.Observe };
            foreach (var (name, scale) in runner.Run(options.Data, cancellationToken)) scales[name] = scale;
            source = $"{options.Method.ToString().ToLowerInvariant()} calibration on {options.Data.Count} input sets"
                + (mismatch is null ? "" : $" (cache {options.CachePath} not used: {mismatch})");
            if (options.CachePath is not null)
                WriteCache(options.CachePath, new CalibrationCache(modelSha256, options.Method, scales).ToText());
        }
        else if (qdqScales.Count > 0)
        {
            source = "the model's QuantizeLinear/DequantizeLinear scales";
        }
        else
        {
            throw new EngineUserException(mismatch is not null
                ? $"calibration cache {options.CachePath} cannot be used ({mismatch}) and no calibration data was given; pass --calib DIR"
                : $"precision {(best ? "best" : "int8")} needs calibration data (--calib DIR) or a calibration cache (--calib-cache FILE)");
        }
        // A QDQ model's own scales win: it was trained (or quantized) with exactly those.
        foreach (var (name, scale) in qdqScales) scales[name] = scale;
        if (qdqScales.Count > 0 && scales.Count > qdqScales.Count) source += $", {qdqScales.Count} scales from the model's Q/DQ pairs";
        else if (qdqScales.Count > 0 && !source.StartsWith("the model", StringComparison.Ordinal)) source += ", overridden by the model's Q/DQ pairs";

        var options8 = options.Rewrite;
        var probe = new Int8Rewrite(scales, new HashSet<string>(), options8);
        var sensitivity = new Dictionary<string, double>();
        var keep = new HashSet<string>(StringComparer.Ordinal);
        if (best)
        {
            if (options.Data.Count == 0)
                throw new EngineUserException("--precision best measures each layer on calibration data; pass --calib DIR (a calibration cache alone is not enough)");
            int samples = Math.Clamp(options.SensitivitySamples, 1, options.Data.Count);
            progress?.Report($"measuring INT8 sensitivity on {samples} input sets");
            var data = Enumerable.Range(0, samples).Select(i => options.Data[i]).ToList();
            sensitivity = SensitivityAnalysis.Measure(observer!, data, scales, n => n.OpType == Graph.Ops.FusedOps.FusedConv && probe.WhyNot(n) is null, cancellationToken);
            foreach (var (layer, error) in sensitivity)
                if (error > options.SensitivityThreshold) keep.Add(layer);
        }

        var rewrite = new Int8Rewrite(scales, keep, options8);
        rewrite.Run(model, evaluator);
        var kept = rewrite.KeptFloat.Select(k => sensitivity.TryGetValue(k.Layer, out double e) && keep.Contains(k.Layer)
            ? (k.Layer, $"INT8 rel L2 error {e:F3} > threshold {options.SensitivityThreshold:F3}") : k).ToList();
        var table = new CalibrationCache(modelSha256, options.Method, scales).ToText();
        return new QuantizationReport(rewrite.Quantized, kept, source, sensitivity, table);
    }

    private static CalibrationCache? ReadCache(string? path)
    {
        if (path is null || !File.Exists(path)) return null;
        string text;
        try { text = File.ReadAllText(path); }
        catch (IOException e) { throw new EngineUserException($"calibration cache {path} cannot be read: {e.Message}"); }
        catch (UnauthorizedAccessException) { throw new EngineUserException($"calibration cache {path} cannot be read: permission denied"); }
        return CalibrationCache.Parse(text, path);
    }

    private static void WriteCache(string path, string text)
    {
        try
        {
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory) Directory.CreateDirectory(directory);
            string temp = path + ".tmp";
            File.WriteAllText(temp, text);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EngineUserException($"calibration cache {path} cannot be written: {e.Message}");
        }
    }
}
