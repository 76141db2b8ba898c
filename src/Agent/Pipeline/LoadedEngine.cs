using EdgeAgent.Camera.Processing.Pre;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Agent.Pipeline;

/// <summary>
/// An engine ready for the live loop: compiled, with its own execution context and the
/// pre-processing its model expects. Reference-counted by <see cref="EngineSlot"/> so it is
/// disposed only once no frame uses it any more.
/// </summary>
public sealed class LoadedEngine : IDisposable
{
    private int _users;
    private int _retired;
    private int _disposed;

    public LoadedEngine(string version, InferenceEngine engine, PreprocessConfig preprocess, int threads = 0)
    {
        if (engine.Inputs.Count != 1 || engine.Inputs[0].Type != EdgeAgent.Engine.Tensors.DataType.Float32 || engine.Inputs[0].Shape.Length != 4)
            throw new ArgumentException($"the live loop feeds one N x C x H x W float32 input; engine '{version}' has {string.Join(", ", engine.Inputs)}");
        var shape = engine.Inputs[0].Shape;
        if (shape[0] != 1 || shape[1] != 3 || shape[2] != preprocess.Height || shape[3] != preprocess.Width)
            throw new ArgumentException($"engine '{version}' takes {string.Join("x", shape)}, but pre-processing makes 1x3x{preprocess.Height}x{preprocess.Width}");
        Version = version;
        Engine = engine;
        Context = engine.CreateContext(threads);
        Preprocessor = new Preprocessor(preprocess);
    }

    public string Version { get; }
    public string ModelId { get; init; } = "";
    /// <summary>Content hash of the engine file (hex prefix), naming this build in results and telemetry.</summary>
    public string EngineId { get; init; } = "";
    /// <summary>fp32, fp16 or int8: what the engine was built with.</summary>
    public string Precision { get; init; } = "fp32";
    public InferenceEngine Engine { get; }
    public InferenceContext Context { get; }
    public Preprocessor Preprocessor { get; }

    internal bool TryAcquire()
    {
        Interlocked.Increment(ref _users);
        if (Volatile.Read(ref _retired) == 0) return true;
        Release();
        return false;
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref _users) == 0 && Volatile.Read(ref _retired) == 1) Dispose();
    }

    /// <summary>No new frames will use this engine; it is disposed when the last one finishes.</summary>
    internal void Retire()
    {
        Volatile.Write(ref _retired, 1);
        if (Volatile.Read(ref _users) == 0) Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) Context.Dispose();
    }
}
