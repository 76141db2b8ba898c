using System.Diagnostics;

namespace EdgeAgent.Camera.Capture;

/// <summary>One trigger: its sequence number (the frame's TriggerId), when it arrived, and any text that came with it.</summary>
public sealed record TriggerEvent(long Id, long Timestamp, string? Payload);

/// <summary>
/// Capture-on-trigger: each trigger lets exactly one frame through, the first frame captured after
/// the trigger arrived, and tags it with the trigger's id. Triggers that arrive faster than frames
/// wait in a small queue; beyond it they are counted as lost rather than buffered without bound.
/// </summary>
public sealed class TriggerGate
{
    private readonly object _lock = new();
    private readonly TriggerEvent?[] _pending;
    private readonly TriggerEvent?[] _recent;
    private int _head, _count;
    private long _nextId = 1;
    private long _lost;

    public TriggerGate(int maxPending = 16, int remembered = 64)
    {
        _pending = new TriggerEvent?[maxPending];
        _recent = new TriggerEvent?[remembered];
    }

    public long Fired => _nextId - 1;

    public long Lost
    {
        get
        {
            lock (_lock)
                return _lost;
        }
    }

    public TriggerEvent Fire(string? payload = null)
    {
        TriggerEvent e;
        lock (_lock)
        {
            e = new TriggerEvent(_nextId++, Stopwatch.GetTimestamp(), payload);
            _recent[e.Id % _recent.Length] = e;
            if (_count == _pending.Length)
            {
                _lost++;
            }
            else
            {
                _pending[(_head + _count) % _pending.Length] = e;
                _count++;
            }
        }
        return e;
    }

    /// <summary>Consumes the oldest pending trigger if the frame was captured after it; returns its id or 0.</summary>
    public long TryTake(long frameTimestamp)
    {
        lock (_lock)
        {
            if (_count == 0)
                return 0;
            TriggerEvent e = _pending[_head]!;
            if (frameTimestamp < e.Timestamp)
                return 0;
            _pending[_head] = null;
            _head = (_head + 1) % _pending.Length;
            _count--;
            return e.Id;
        }
    }

    /// <summary>The trigger behind a tagged frame, while it is among the most recent ones.</summary>
    public TriggerEvent? Find(long triggerId)
    {
        lock (_lock)
        {
            TriggerEvent? e = _recent[triggerId % _recent.Length];
            return e?.Id == triggerId ? e : null;
        }
    }
}
