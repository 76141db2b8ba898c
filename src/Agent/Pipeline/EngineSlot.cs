namespace EdgeAgent.Agent.Pipeline;

/// <summary>
/// The engine the live loop runs. <see cref="Swap"/> replaces it atomically: a frame already
/// running finishes on the old engine, the next frame starts on the new one, and the old one
/// is disposed as soon as no frame holds it — so a swap drops no frame and leaves no gap.
/// </summary>
public sealed class EngineSlot : IDisposable
{
    private LoadedEngine? _current;

    public LoadedEngine? Current => Volatile.Read(ref _current);

    /// <summary>The current engine, held until <see cref="Release"/>; null when none is loaded.</summary>
    public LoadedEngine? Acquire()
    {
        while (true)
        {
            var engine = Volatile.Read(ref _current);
            if (engine is null || engine.TryAcquire()) return engine;
        }
    }

    public static void Release(LoadedEngine engine) => engine.Release();

    /// <summary>Installs <paramref name="next"/> and retires the engine it replaces (returned, for logs).</summary>
    public string? Swap(LoadedEngine next)
    {
        var old = Interlocked.Exchange(ref _current, next);
        old?.Retire();
        return old?.Version;
    }

    public void Dispose() => Interlocked.Exchange(ref _current, null)?.Retire();
}
