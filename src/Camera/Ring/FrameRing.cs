using System.Buffers;
using System.Diagnostics;
using System.Threading.Tasks.Sources;
using EdgeAgent.Camera.Frames;

namespace EdgeAgent.Camera.Ring;

/// <summary>
/// A fixed-capacity queue of frames between one producer (the capture pump) and one consumer (the
/// inference loop). When the consumer falls behind, the oldest queued frame is dropped, so latency
/// stays bounded by the capacity instead of growing without limit. Every pixel buffer is rented
/// once at construction; after that, writing, committing, reading and releasing allocate nothing,
/// and waiting for a frame uses one reusable value-task source.
/// </summary>
public sealed class FrameRing : IValueTaskSource<bool>, IDisposable
{
    private enum SlotState : byte { Free, Writing, Queued, Leased }

    private readonly object _lock = new();
    private readonly byte[][] _buffers;
    private readonly SlotState[] _states;
    private readonly FrameInfo[] _infos;
    private readonly long[] _generations;
    private readonly int[] _queue;
    private readonly int _maxLeases;
    private int _head, _count, _leases, _writing = -1;
    private long _captured, _delivered, _dropped, _newestTimestamp;
    private bool _completed, _disposed;
    private Exception? _error;

    private ManualResetValueTaskSourceCore<bool> _waiter = new() { RunContinuationsAsynchronously = true };
    private bool _waiting;
    private CancellationToken _waitToken;
    private CancellationTokenRegistration _waitRegistration;

    /// <param name="capacity">Frames that may wait for the consumer; 1–2 keeps latency lowest.</param>
    /// <param name="maxLeases">Frames the consumer may hold at once.</param>
    public FrameRing(FrameGeometry geometry, int capacity = 2, int maxLeases = 1)
    {
        if (capacity < 1 || maxLeases < 1)
            throw new CameraConfigException($"frame ring needs capacity >= 1 and maxLeases >= 1 (got {capacity}, {maxLeases})");
        Geometry = geometry;
        Capacity = capacity;
        _maxLeases = maxLeases;
        // Enough slots that the writer always finds a free one: queued + leased + one being written.
        int slots = capacity + maxLeases + 1;
        _buffers = new byte[slots][];
        for (int i = 0; i < slots; i++)
            _buffers[i] = ArrayPool<byte>.Shared.Rent(geometry.ByteCount);
        _states = new SlotState[slots];
        _infos = new FrameInfo[slots];
        _generations = new long[slots];
        _queue = new int[capacity];
    }

    public FrameGeometry Geometry { get; }

    public int Capacity { get; }

    public RingCounters Counters
    {
        get
        {
            lock (_lock)
            {
                TimeSpan? age = _captured == 0 ? null : Stopwatch.GetElapsedTime(_newestTimestamp);
                return new RingCounters(_captured, _delivered, _dropped, _count, age);
            }
        }
    }

    /// <summary>Producer: the buffer to decode the next frame into.</summary>
    public Memory<byte> BeginWrite()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_writing >= 0)
                throw new InvalidOperationException("a frame is already being written; commit or abort it first");
            int slot = Array.IndexOf(_states, SlotState.Free);
            Debug.Assert(slot >= 0, "slot accounting guarantees a free slot");
            _states[slot] = SlotState.Writing;
            _writing = slot;
            return _buffers[slot].AsMemory(0, Geometry.ByteCount);
        }
    }

    /// <summary>Producer: publishes the written frame, dropping the oldest queued one if the ring is full.</summary>
    public void CommitWrite(in FrameInfo info)
    {
        lock (_lock)
        {
            int slot = _writing;
            if (slot < 0)
                throw new InvalidOperationException("CommitWrite without BeginWrite");
            _writing = -1;
            if (_count == Capacity)
            {
                int oldest = _queue[_head];
                _head = (_head + 1) % Capacity;
                _count--;
                _states[oldest] = SlotState.Free;
                _dropped++;
            }
            _queue[(_head + _count) % Capacity] = slot;
            _count++;
            _states[slot] = SlotState.Queued;
            _infos[slot] = info;
            _captured++;
            _newestTimestamp = info.CaptureTimestamp;
        }
        WakeReader(true);
    }

    /// <summary>Producer: gives the slot back without publishing (read failed, frame not wanted).</summary>
    public void AbortWrite()
    {
        lock (_lock)
        {
            if (_writing >= 0)
                _states[_writing] = SlotState.Free;
            _writing = -1;
        }
    }

    /// <summary>Producer: no more frames. Readers drain what is queued, then see the end (or the error).</summary>
    public void Complete(Exception? error = null)
    {
        lock (_lock)
        {
            if (_completed)
                return;
            _completed = true;
            _error = error;
        }
        WakeReader(false);
    }

    /// <summary>Consumer: takes the oldest queued frame if there is one.</summary>
    public bool TryRead(out FrameLease lease)
    {
        lock (_lock)
        {
            if (_count == 0 || _disposed)
            {
                lease = default;
                return false;
            }
            if (_leases == _maxLeases)
                throw new InvalidOperationException($"the consumer already holds {_maxLeases} frame(s); dispose a lease first");
            int slot = _queue[_head];
            _head = (_head + 1) % Capacity;
            _count--;
            _states[slot] = SlotState.Leased;
            _leases++;
            _delivered++;
            FrameInfo info = _infos[slot];
            lease = new FrameLease(this, slot, _generations[slot], info, _buffers[slot].AsMemory(0, Geometry.ByteCount),
                Stopwatch.GetElapsedTime(info.CaptureTimestamp));
            return true;
        }
    }

    /// <summary>
    /// Consumer: waits until a frame is queued (true) or the producer completed and the queue is
    /// drained (false; throws the producer's error if it failed). One waiter at a time.
    /// </summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_count > 0)
                return new ValueTask<bool>(true);
            if (_completed)
            {
                if (_error is not null)
                    return ValueTask.FromException<bool>(_error);
                return new ValueTask<bool>(false);
            }
            if (_waiting)
                throw new InvalidOperationException("only one reader may wait on a frame ring");
            if (cancellationToken.IsCancellationRequested)
                return ValueTask.FromCanceled<bool>(cancellationToken);
            _waiter.Reset();
            _waiting = true;
            _waitToken = cancellationToken;
            if (cancellationToken.CanBeCanceled)
                _waitRegistration = cancellationToken.UnsafeRegister(static (s, ct) => ((FrameRing)s!).CancelWait(ct), this);
            return new ValueTask<bool>(this, _waiter.Version);
        }
    }

    internal void Release(int slot, long generation)
    {
        lock (_lock)
        {
            if (_disposed || _states[slot] != SlotState.Leased || _generations[slot] != generation)
                return;
            _generations[slot]++;
            _states[slot] = SlotState.Free;
            _leases--;
        }
    }

    private void WakeReader(bool frameReady)
    {
        lock (_lock)
        {
            if (!_waiting)
                return;
            _waiting = false;
        }
        if (frameReady || _error is null)
            _waiter.SetResult(frameReady);
        else
            _waiter.SetException(_error);
    }

    private void CancelWait(CancellationToken token)
    {
        lock (_lock)
        {
            if (!_waiting || _waitToken != token)
                return;
            _waiting = false;
        }
        _waiter.SetException(new OperationCanceledException(token));
    }

    bool IValueTaskSource<bool>.GetResult(short token)
    {
        CancellationTokenRegistration registration;
        lock (_lock)
        {
            registration = _waitRegistration;
            _waitRegistration = default;
        }
        registration.Dispose();
        return _waiter.GetResult(token);
    }

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _waiter.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waiter.OnCompleted(continuation, state, token, flags);

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            // A slot still being written or leased may be touched after this; leave it to the GC
            // rather than hand it to another renter of the pool.
            for (int i = 0; i < _buffers.Length; i++)
            {
                if (_states[i] is SlotState.Free or SlotState.Queued)
                    ArrayPool<byte>.Shared.Return(_buffers[i]);
            }
        }
        Complete(new ObjectDisposedException(nameof(FrameRing)));
    }
}
