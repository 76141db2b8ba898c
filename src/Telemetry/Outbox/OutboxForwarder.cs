using EdgeAgent.Telemetry.Mqtt;

namespace EdgeAgent.Telemetry.Outbox;

/// <summary>Turns a stored record into what goes on the wire (topic and encoded payload).</summary>
public delegate (string Topic, byte[] Payload) RecordRenderer(OutboxRecord record);

/// <summary>Counters of the forwarding loop.</summary>
public sealed record ForwarderStats(long Published, long Rejected, long RenderFailures);

/// <summary>
/// Moves records from the outbox to the broker in order, as QoS 1, with a window of
/// unacknowledged messages in flight. A record is acknowledged in the outbox only once the
/// broker's PUBACK for it and for everything before it has arrived, so a crash anywhere
/// means redelivery, never loss.
/// </summary>
public sealed class OutboxForwarder(IOutbox outbox, IMqttClient client, RecordRenderer render, int window = 64, TimeSpan? linger = null)
{
    // After a wake-up by a fresh record, wait this long for more, so bursts go out as one batch:
    // one outbox read, one network-thread wake-up, PUBACKs handled together.
    private readonly TimeSpan _linger = linger ?? TimeSpan.FromMilliseconds(10);

    private long _published, _rejected, _renderFailures;

    public ForwarderStats Stats => new(Interlocked.Read(ref _published), Interlocked.Read(ref _rejected), Interlocked.Read(ref _renderFailures));

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var inFlight = new Queue<(OutboxRecord Record, Task Publish)>();
        var notIssued = new Queue<OutboxRecord>();
        while (!cancellationToken.IsCancellationRequested)
        {
            AcknowledgeCompleted(inFlight);
            if (client.State == MqttConnectionState.Disposed) return;
            if (client.State != MqttConnectionState.Connected)
            {
                // In-flight messages stay queued inside libmosquitto and are resent after the reconnect.
                await WhenAnyOrTimeout(client.WaitUntilConnectedAsync(cancellationToken), inFlight, cancellationToken).ConfigureAwait(false);
                continue;
            }
            var appended = outbox.NextAppend;
            int room = window - inFlight.Count;
            if (room > 0) Issue(inFlight, notIssued, room, cancellationToken);
            if (notIssued.Count > 0)
                await WhenAnyOrTimeout(Task.Delay(50, cancellationToken), inFlight, cancellationToken).ConfigureAwait(false);
            else if (inFlight.Count >= window)
                await WhenAnyOrTimeout(inFlight.Peek().Publish, inFlight, cancellationToken).ConfigureAwait(false);
            else
            {
                await WhenAnyOrTimeout(appended, inFlight, cancellationToken).ConfigureAwait(false);
                if (appended.IsCompleted && _linger > TimeSpan.Zero) await Task.Delay(_linger, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void Issue(Queue<(OutboxRecord, Task)> inFlight, Queue<OutboxRecord> notIssued, int room, CancellationToken cancellationToken)
    {
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
                inFlight.Enqueue((record, Task.CompletedTask));
                continue;
            }
            try
            {
                inFlight.Enqueue((record, client.PublishAsync(topic, payload, MqttQos.AtLeastOnce, false, cancellationToken)));
            }
            catch (MqttNotConnectedException)
            {
                // Keep order: this record and the rest of the batch go out first after the reconnect.
                var rest = new List<OutboxRecord> { record };
                rest.AddRange(pending);
                rest.AddRange(notIssued);
                notIssued.Clear();
                foreach (var r in rest) notIssued.Enqueue(r);
                return;
            }
        }
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
            else if (head.Publish.Exception?.InnerException is MqttException) Interlocked.Increment(ref _rejected);
            else
            {
                // Cancelled or client disposed: not delivered, so not acknowledged; a later run resends it.
                if (last is not null) outbox.Acknowledge(last, count);
                inFlight.Clear();
                outbox.Rewind();
                return;
            }
            last = head.Record;
            count++;
        }
        if (last is not null) outbox.Acknowledge(last, count);
    }

    private static async Task WhenAnyOrTimeout(Task wakeUp, Queue<(OutboxRecord Record, Task Publish)> inFlight, CancellationToken cancellationToken)
    {
        var tasks = new List<Task>(3) { wakeUp, Task.Delay(TimeSpan.FromSeconds(1), cancellationToken) };
        if (inFlight.Count > 0) tasks.Add(inFlight.Peek().Publish);
        var done = await Task.WhenAny(tasks).ConfigureAwait(false);
        if (done.IsCanceled) cancellationToken.ThrowIfCancellationRequested();
    }
}
