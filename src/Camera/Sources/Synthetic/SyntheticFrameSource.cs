using System.Runtime.CompilerServices;
using System.Diagnostics;
using EdgeAgent.Camera.Frames;

namespace EdgeAgent.Camera.Sources.Synthetic;

/// <summary>
/// Renders frames in-process at a fixed rate: the embedded default source for the demo and the
/// tests, needing no camera, file or decoder.
/// </summary>
public sealed class SyntheticFrameSource : IFrameSource
{
    private readonly SyntheticSourceSpec _spec;
    private readonly SyntheticRenderer _renderer;
    private PeriodicTimer? _timer;
    private long _next;

    public SyntheticFrameSource(SyntheticSourceSpec spec)
    {
        _spec = spec;
        Geometry = new FrameGeometry(spec.Width, spec.Height, spec.Format);
        _renderer = new SyntheticRenderer(Geometry, spec.Seed);
    }

    public string Name => _spec.DisplayName;

    public FrameGeometry Geometry { get; }

    public ValueTask StartAsync(CancellationToken cancellationToken)
    {
        if (_spec.Fps > 0)
            _timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / _spec.Fps));
        return ValueTask.CompletedTask;
    }

    // Pooled builder: a read that completes asynchronously reuses its state machine instead of
    // allocating one per frame.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<FrameInfo?> ReadFrameAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_spec.FrameCount is long count && _next >= count)
            return null;
        if (_timer is not null && !await _timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            return null;
        long id = _next++;
        _renderer.Render(id, destination.Span[..Geometry.ByteCount]);
        return new FrameInfo(id, Stopwatch.GetTimestamp(), Geometry);
    }

    public ValueTask DisposeAsync()
    {
        _timer?.Dispose();
        return ValueTask.CompletedTask;
    }
}
