using EdgeAgent.Telemetry.Mqtt;

namespace EdgeAgent.Telemetry.Outbox;

/// <summary>Turns a stored record into what goes on the wire (topic and encoded payload).</summary>
public delegate (string Topic, byte[] Payload) RecordRenderer(OutboxRecord record);

/// <summary>Counters of the forwarding loop. <see cref="Resends"/> counts the times in-flight records went back to
/// the outbox unacknowledged (connection lost, or no PUBACK in time) and were sent again.</summary>
public sealed record ForwarderStats(long Published, long Rejected, long RenderFailures, long Resends);

/// <summary>
/// Moves records from the outbox to the broker in order, as QoS 1, with a window of
/// unacknowledged messages in flight. A record is acknowledged in the outbox only once the
/// broker's PUBACK for it and for everything before it has arrived, so a crash anywhere
/// means redelivery, never loss.
/// </summary>
/// <remarks><paramref name="properties"/> gives each record's MQTT 5 properties (content type, expiry), null for none.</remarks>
public sealed class OutboxForwarder(IOutbox outbox, IMqttClient client, RecordRenderer render, int window = 64, TimeSpan? linger = null,
    Func<OutboxRecord, MqttPublishProperties?>? properties = null)
{
    // After a wake-up by a fresh record, wait this long for more, so bursts go out as one batch:
    // one outbox read, one network-thread wake-up, PUBACKs handled together.
    private readonly TimeSpan _linger = linger ?? TimeSpan.FromMilliseconds(10);

    // Safety net for state changes nothing signals (a disconnect while idle): look again at least this often.
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);
    private static readonly Task Never = new TaskCompletionSource().Task;

    private long _published, _rejected, _renderFailures, _resends;

    public ForwarderStats Stats => new(Interlocked.Read(ref _published), Interlocked.Read(ref _rejected), Interlocked.Read(ref _renderFailures),
        Interlocked.Read(ref _resends));

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var inFlight = new Queue<(OutboxRecord Record, Task Publish)>();
        var notIssued = new Queue<OutboxRecord>();
        // One registration and one timer for the whole run instead of one per wait: at a thousand
        // messages a second the waits themselves would otherwise be a visible share of the CPU.
        var cancelled = Task.Delay(Timeout.Infinite, cancellationToken);
        var heartbeat = Task.CompletedTask;
        var newest = Never;
        while (!cancellationToken.IsCancellationRequested)
        {
            AcknowledgeCompleted(inFlight);
            if (client.State == MqttConnectionState.Disposed) return;
            if (heartbeat.IsCompleted) heartbeat = Task.Delay(Heartbeat, CancellationToken.None);
            if (client.State != MqttConnectionState.Connected)
            {
                // In-flight publishes fail when the connection drops; the outbox rewinds and sends them again.
                await WakeOnAny(client.WaitUntilConnectedAsync(cancellationToken), Head(inFlight), heartbeat, cancelled).ConfigureAwait(false);
                continue;
            }
            var appended = outbox.NextAppend;
            int room = window - inFlight.Count;
            if (room > 0) newest = Issue(inFlight, notIssued, room) ?? newest;
            if (notIssued.Count > 0)
                await WakeOnAny(Task.Delay(50, CancellationToken.None), Head(inFlight), heartbeat, cancelled).ConfigureAwait(false);
            else if (inFlight.Count >= window)
                await WakeOnAny(inFlight.Peek().Publish, Never, heartbeat, cancelled).ConfigureAwait(false);
            else
            {
                // Room in the window: nothing to gain from waking per PUBACK. Wake when the newest
                // publish is acknowledged (PUBACKs come in order, so that settles the whole batch) or
                // when something new is appended. Should the newest be settled before older ones
                // (a render failure is settled at once), wait for the oldest instead of spinning.
                var settles = inFlight.Count == 0 ? Never : newest.IsCompleted ? Head(inFlight) : newest;
                await WakeOnAny(appended, settles, heartbeat, cancelled).ConfigureAwait(false);
                if (appended.IsCompleted && _linger > TimeSpan.Zero) await Task.Delay(_linger, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Publishes up to <paramref name="room"/> records; returns the task of the last one put in flight, if any.</summary>
    private Task? Issue(Queue<(OutboxRecord, Task)> inFlight, Queue<OutboxRecord> notIssued, int room)
    {
        Task? newest = null;
        IEnumerable<OutboxRecord> batch = notIssued.Count > 0 ? DrainUpTo(notIssued, room) : outbox.Read(room);
        var pending = new Queue<OutboxRecord>(batch);
        while (pending.TryDequeue(out var record))
        {
            string topic;
            byte[] payload;
            try
            {
                (topic, payload) = render(record);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A record that cannot be rendered never will be; acknowledging it keeps the queue moving.
                Interlocked.Increment(ref _renderFailures);
                inFlight.Enqueue((record, newest = Task.CompletedTask));
                continue;
            }
            try
            {
                // No token: an uncancellable publish is the bare acknowledgement task, and stopping
                // the forwarder abandons in-flight publishes anyway (they stay in the outbox).
                inFlight.Enqueue((record, newest = client.PublishAsync(topic, payload, MqttQos.AtLeastOnce, false, properties?.Invoke(record), CancellationToken.None)));
            }
            catch (MqttNotConnectedException)
            {
                // Keep order: this record and the rest of the batch go out first after the reconnect.
                var rest = new List<OutboxRecord> { record };
                rest.AddRange(pending);
                rest.AddRange(notIssued);
                notIssued.Clear();
                foreach (var r in rest) notIssued.Enqueue(r);
                return newest;
            }
        }
        return newest;
    }

    private static IEnumerable<OutboxRecord> DrainUpTo(Queue<OutboxRecord> queue, int count)
    {
        var list = new List<OutboxRecord>(Math.Min(count, queue.Count));
        while (list.Count < count && queue.TryDequeue(out var r)) list.Add(r);
        return list;
    }

    private void AcknowledgeCompleted(Queue<(OutboxRecord Record, Task Publish)> inFlight)
    {
        OutboxRecord? last = null;
        int count = 0;
        while (inFlight.TryPeek(out var head) && head.Publish.IsCompleted)
        {
            inFlight.Dequeue();
            if (head.Publish.IsCompletedSuccessfully) Interlocked.Increment(ref _published);
            else if (head.Publish.Exception?.InnerException is MqttException and not MqttNotConnectedException)
                Interlocked.Increment(ref _rejected);
            else
            {
                // Cancelled, client disposed or connection gone: not delivered, so not acknowledged; it is sent again.
                if (last is not null) outbox.Acknowledge(last, count);
                Interlocked.Increment(ref _resends);
                inFlight.Clear();
                outbox.Rewind();
                return;
            }
            last = head.Record;
            count++;
        }
        if (last is not null) outbox.Acknowledge(last, count);
    }

    private static Task Head(Queue<(OutboxRecord Record, Task Publish)> inFlight) => inFlight.TryPeek(out var head) ? head.Publish : Never;

    /// <summary>Waits for the first of the tasks; throws when it was <paramref name="cancelled"/> that completed.</summary>
    private static async Task WakeOnAny(Task wakeUp, Task other, Task heartbeat, Task cancelled)
    {
        var done = await Task.WhenAny(wakeUp, other, heartbeat, cancelled).ConfigureAwait(false);
        if (done == cancelled) await cancelled.ConfigureAwait(false);
    }
}
