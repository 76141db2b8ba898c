using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Quantization;

/// <summary>
/// How an INT8 (or best) build gets its activation scales and decides which layers stay in
/// FP32: the calibration inputs (read lazily, one input set at a time), the calibrator, the
/// calibration cache file, and the sensitivity rule of <c>--precision best</c>.
/// </summary>
public sealed record CalibrationOptions
{
    /// <summary>Input sets at the build shapes; may be empty when a cache or a QDQ model provides every scale.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, Tensor>> Data { get; init; } = [];
    public CalibrationMethod Method { get; init; } = CalibrationMethod.Entropy;
    public float Percentile { get; init; } = Calibrators.DefaultPercentile;
    /// <summary>Read when it exists and matches model and method; written after calibrating.</summary>
    public string? CachePath { get; init; }
    /// <summary>A layer whose INT8 output differs from FP32 by more than this relative L2 error stays FP32 under best.</summary>
    public double SensitivityThreshold { get; init; } = 0.05;
    /// <summary>Calibration input sets the sensitivity pass runs (it runs every layer once per set in the reference).</summary>
    public int SensitivitySamples { get; init; } = 2;
    /// <summary>Which layer kinds the rewrite may quantize (a backend without an INT8 depthwise kernel turns that off).</summary>
    public Passes.Int8RewriteOptions Rewrite { get; init; } = new();
}

/// <summary>What quantization did, for the build summary and the engine file.</summary>
public sealed record QuantizationReport(
    IReadOnlyList<string> Int8Layers,
    IReadOnlyList<(string Layer, string Reason)> KeptFloat,
    string ScaleSource,
    IReadOnlyDictionary<string, double> Sensitivity,
    string CalibrationTable);
