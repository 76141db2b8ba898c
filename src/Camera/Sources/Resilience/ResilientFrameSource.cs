using System.Runtime.CompilerServices;
using EdgeAgent.Camera.Diagnostics;
using EdgeAgent.Camera.Frames;

namespace EdgeAgent.Camera.Sources.Resilience;

/// <summary>
/// Keeps a source alive: when the inner source fails (or, for a live source, ends) it is disposed
/// and a fresh one is created after a backoff delay. Consumers see one continuous stream of frames
/// with increasing ids, plus a health snapshot saying what happened. Configuration errors are not
/// retried: they cannot heal by waiting.
/// </summary>
public sealed class ResilientFrameSource : IFrameSource
{
    private readonly Func<IFrameSource> _factory;
    private readonly RestartPolicy _policy;
    private readonly bool _restartOnEnd;
    private readonly ICameraLog _log;
    private readonly TimeProvider _time;
    private readonly object _healthLock = new();
    private IFrameSource? _inner;
    private FrameGeometry? _geometry;
    private long _nextId;
    private SourceState _state = SourceState.Starting;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private int _restarts;
    private int _consecutiveFailures;

    /// <param name="restartOnEnd">True for live sources: a stream that ends means the camera went away.</param>
    public ResilientFrameSource(string name, Func<IFrameSource> factory, RestartPolicy policy, bool restartOnEnd, ICameraLog? log = null, TimeProvider? time = null)
    {
        policy.Validate();
        Name = name;
        _factory = factory;
        _policy = policy;
        _restartOnEnd = restartOnEnd;
        _log = log ?? NullCameraLog.Instance;
        _time = time ?? TimeProvider.System;
    }

    public string Name { get; }

    public FrameGeometry Geometry => _geometry ?? throw new InvalidOperationException($"{Name}: geometry is known only after StartAsync");

    /// <summary>The source currently running underneath (tests reach through it to break it).</summary>
    internal IFrameSource? Inner => _inner;

    public SourceHealth Health
    {
        get
        {
            lock (_healthLock)
                return new SourceHealth(_state, _lastError, _lastErrorAt, _restarts, _consecutiveFailures);
        }
    }

    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        while (!await TryOpenAsync(cancellationToken).ConfigureAwait(false))
            await BackoffAsync(cancellationToken).ConfigureAwait(false);
    }

    // Pooled builder: a read that completes asynchronously reuses its state machine instead of
    // allocating one per frame.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<FrameInfo?> ReadFrameAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_state == SourceState.Ended)
                return null;
            if (_state == SourceState.Failed)
                throw new FrameSourceException($"{Name}: failed: {_lastError}");
            if (_inner is null)
            {
                await BackoffAsync(cancellationToken).ConfigureAwait(false);
                if (!await TryOpenAsync(cancellationToken).ConfigureAwait(false))
                    continue;
            }

            FrameInfo? frame;
            try
            {
                frame = await _inner!.ReadFrameAsync(destination, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsSourceFailure(ex, cancellationToken))
            {
                await FailAsync(ex.Message).ConfigureAwait(false);
                continue;
            }

            if (frame is FrameInfo f)
            {
                if (_state != SourceState.Streaming || _consecutiveFailures != 0)
                    SetState(SourceState.Streaming, resetFailures: true);
                return f with { Id = _nextId++ };
            }
            if (!_restartOnEnd)
            {
                SetState(SourceState.Ended, resetFailures: false);
                await CloseInnerAsync().ConfigureAwait(false);
                return null;
            }
            await FailAsync($"{_inner!.Name}: stream ended").ConfigureAwait(false);
        }
    }

    private async ValueTask<bool> TryOpenAsync(CancellationToken cancellationToken)
    {
        IFrameSource source;
        try
        {
            source = _factory();
            await source.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CameraConfigException ex)
        {
            RecordError(ex.Message);
            SetState(SourceState.Failed, resetFailures: false);
            throw;
        }
        catch (Exception ex) when (IsSourceFailure(ex, cancellationToken))
        {
            RecordError(ex.Message);
            CountFailure();
            return false;
        }

        if (_geometry is FrameGeometry known && known != source.Geometry)
        {
            await source.DisposeAsync().ConfigureAwait(false);
            string message = $"{Name}: frame geometry changed from {known} to {source.Geometry} after a restart; set #size=WxH to pin it";
            RecordError(message);
            SetState(SourceState.Failed, resetFailures: false);
            throw new FrameSourceException(message);
        }
        _geometry = source.Geometry;
        _inner = source;
        return true;
    }

    private async ValueTask FailAsync(string message)
    {
        RecordError(message);
        await CloseInnerAsync().ConfigureAwait(false);
        CountFailure();
    }

    private void CountFailure()
    {
        lock (_healthLock)
        {
            _consecutiveFailures++;
            if (_policy.MaxConsecutiveFailures is int max && _consecutiveFailures >= max)
            {
                _state = SourceState.Failed;
                _log.Write(CameraLogLevel.Error, $"{Name}: giving up after {_consecutiveFailures} failures in a row: {_lastError}");
                return;
            }
            _state = SourceState.Reconnecting;
        }
    }

    private async ValueTask BackoffAsync(CancellationToken cancellationToken)
    {
        if (_state == SourceState.Failed)
            throw new FrameSourceException($"{Name}: failed: {_lastError}");
        TimeSpan delay = _policy.DelayAfter(_consecutiveFailures);
        _log.Write(CameraLogLevel.Warning, $"{Name}: restarting in {delay.TotalSeconds:0.###} s (failure {_consecutiveFailures} in a row)");
        if (delay > TimeSpan.Zero)
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        lock (_healthLock)
            _restarts++;
    }

    private async ValueTask CloseInnerAsync()
    {
        IFrameSource? inner = _inner;
        _inner = null;
        if (inner is not null)
            await inner.DisposeAsync().ConfigureAwait(false);
    }

    private void RecordError(string message)
    {
        _log.Write(CameraLogLevel.Warning, message);
        lock (_healthLock)
        {
            _lastError = message;
            _lastErrorAt = _time.GetUtcNow();
        }
    }

    private void SetState(SourceState state, bool resetFailures)
    {
        lock (_healthLock)
        {
            _state = state;
            if (resetFailures)
                _consecutiveFailures = 0;
        }
    }

    private static bool IsSourceFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is FrameSourceException or IOException or TimeoutException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    public async ValueTask DisposeAsync() => await CloseInnerAsync().ConfigureAwait(false);
}
