using System.Diagnostics;
using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Processing.Pre;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Telemetry.Drift;

namespace EdgeAgent.Agent.Service;

/// <summary>
/// An fp32 engine of the model the device serves at lower precision, run on a sample of frames
/// so accuracy drift of the INT8 (or FP16) engine shows in telemetry as agreement with it. The
/// sampler keeps its cost within a fraction of wall time; on a busy device it samples less.
/// </summary>
public sealed class ShadowReference : IDisposable
{
    private readonly Lock _gate = new();
    private readonly InferenceContext _context;
    private readonly Preprocessor _preprocessor;
    private readonly ShadowSampler _sampler;
    private readonly string _postprocess;
    private bool _disposed;

    public ShadowReference(string version, InferenceEngine engine, PreprocessConfig preprocess, string postprocess, int everyNth, double budget)
    {
        Version = version;
        _context = engine.CreateContext(1);
        _preprocessor = new Preprocessor(preprocess);
        _sampler = new ShadowSampler(everyNth, budget);
        _postprocess = postprocess;
    }

    /// <summary>The serving version this engine is the reference for.</summary>
    public string Version { get; }

    public int InputLength => _context.Input<float>(0).Length;

    public bool ShouldSample(long frameId)
    {
        lock (_gate) return _sampler.ShouldSample(frameId);
    }

    public double TakeBudgetUsed()
    {
        lock (_gate) return _sampler.TakeBudgetUsed();
    }

    /// <summary>Pre-processes the frame into the reference's own input (on the inference thread, while the frame is held).</summary>
    public void Prepare(ReadOnlySpan<byte> pixels, FrameGeometry geometry, Span<float> destination) => _preprocessor.Run(pixels, geometry, destination);

    /// <summary>Runs the reference on a prepared input and compares its output with the serving engine's.</summary>
    public ShadowObservation? Compare(ReadOnlySpan<float> input, ReadOnlySpan<float> served)
    {
        lock (_gate)
        {
            if (_disposed) return null; // replaced while this frame was on its way
            long start = Stopwatch.GetTimestamp();
            input.CopyTo(_context.Input<float>(0));
            _context.Execute();
            var reference = _context.Output<float>(0);
            var observation = _postprocess switch
            {
                "classification" => new ShadowObservation(ShadowComparison.CosineSimilarity(served, reference), Top1Agrees: ShadowComparison.Top1Agrees(served, reference)),
                "text" => new ShadowObservation(ShadowComparison.CosineSimilarity(served, reference), MapIoU: ShadowComparison.BinarizedMapIoU(served, reference)),
                _ => new ShadowObservation(ShadowComparison.CosineSimilarity(served, reference)),
            };
            _sampler.Spent(Stopwatch.GetElapsedTime(start));
            return observation;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _context.Dispose();
        }
    }
}
