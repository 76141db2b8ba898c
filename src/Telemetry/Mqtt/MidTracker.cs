namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>
/// Matches libmosquitto's acknowledgement callbacks to the tasks waiting for them. The loop
/// thread can acknowledge a message id before the publishing thread has even learned it
/// (PUBACK races the return of mosquitto_publish), so early acknowledgements are parked.
/// </summary>
/// <remarks>
/// A publish's task is completed here, on the network thread, already faulted when the broker
/// rejected it: the caller gets the task itself, not an async wrapper around it, so an
/// acknowledgement nobody is awaiting yet costs no thread-pool work item.
/// </remarks>
internal sealed class MidTracker
{
    private const int MaxEarly = 4096;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Waiter> _pending = new();
    private readonly Dictionary<int, int> _early = new();

    /// <summary>Continuations never run on the network thread; <see cref="RejectedTopic"/> set means
    /// a reason code of 0x80 or above is a rejection of a publish to that topic.</summary>
    private sealed class Waiter(string? rejectedTopic) : TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public string? RejectedTopic { get; } = rejectedTopic;

        public void Complete(int code)
        {
            if (RejectedTopic is not null && code >= 0x80) TrySetException(Rejection(RejectedTopic, code));
            else TrySetResult(code);
        }
    }

    public int PendingCount
    {
        get { lock (_gate) return _pending.Count; }
    }

    /// <summary>The task completes with the reason code; with <paramref name="publishTopic"/> it faults with
    /// <see cref="MqttException"/> instead when the code says the broker rejected the publish.</summary>
    public Task<int> Register(int mid, string? publishTopic = null)
    {
        lock (_gate)
        {
            if (_early.Remove(mid, out var code))
                return publishTopic is not null && code >= 0x80 ? Task.FromException<int>(Rejection(publishTopic, code)) : Task.FromResult(code);
            var waiter = new Waiter(publishTopic);
            _pending[mid] = waiter;
            return waiter.Task;
        }
    }

    public void Complete(int mid, int code)
    {
        Waiter? waiter;
        lock (_gate)
        {
            if (!_pending.Remove(mid, out waiter))
            {
                // Acks for ids nobody will claim (a publish that failed after libmosquitto queued it)
                // must not accumulate; a real early ack is claimed within microseconds.
                if (_early.Count >= MaxEarly) _early.Clear();
                _early[mid] = code;
                return;
            }
        }
        waiter.Complete(code);
    }

    public void FailAll(Exception error)
    {
        List<Waiter> all;
        lock (_gate)
        {
            all = [.. _pending.Values];
            _pending.Clear();
            _early.Clear();
        }
        foreach (var waiter in all) waiter.TrySetException(error);
    }

    private static MqttException Rejection(string topic, int code) =>
        new($"broker rejected publish to '{topic}': {Native.LibMosquitto.ConnackText(code, true)}", code);
}
