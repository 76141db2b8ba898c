namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>
/// Matches libmosquitto's acknowledgement callbacks to the tasks waiting for them. The loop
/// thread can acknowledge a message id before the publishing thread has even learned it
/// (PUBACK races the return of mosquitto_publish), so early acknowledgements are parked.
/// </summary>
internal sealed class MidTracker
{
    private const int MaxEarly = 4096;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, TaskCompletionSource<int>> _pending = new();
    private readonly Dictionary<int, int> _early = new();

    public int PendingCount
    {
        get { lock (_gate) return _pending.Count; }
    }

    public Task<int> Register(int mid)
    {
        lock (_gate)
        {
            if (_early.Remove(mid, out var code)) return Task.FromResult(code);
            var tcs = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[mid] = tcs;
            return tcs.Task;
        }
    }

    public void Complete(int mid, int code)
    {
        TaskCompletionSource<int>? tcs;
        lock (_gate)
        {
            if (!_pending.Remove(mid, out tcs))
            {
                // Acks for ids nobody will claim (a publish that failed after libmosquitto queued it)
                // must not accumulate; a real early ack is claimed within microseconds.
                if (_early.Count >= MaxEarly) _early.Clear();
                _early[mid] = code;
                return;
            }
        }
        tcs.TrySetResult(code);
    }

    public void FailAll(Exception error)
    {
        List<TaskCompletionSource<int>> all;
        lock (_gate)
        {
            all = [.. _pending.Values];
            _pending.Clear();
            _early.Clear();
        }
        foreach (var tcs in all) tcs.TrySetException(error);
    }
}
