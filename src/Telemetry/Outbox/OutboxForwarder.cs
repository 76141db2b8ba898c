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
public sealed class OutboxForwarder(IOutbox outbox, IMqttClient client, RecordRenderer render, int window = 64)
{
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
            int room = window - inFlight.Count;
            if (room > 0) Issue(inFlight, notIssued, room, cancellationToken);
            if (inFlight.Count == 0 && notIssued.Count == 0)
                await WaitForRecordsAsync(cancellationToken).ConfigureAwait(false);
            else if (inFlight.Count >= window || notIssued.Count > 0 || room <= 0)
                await WhenAnyOrTimeout(inFlight.Count > 0 ? inFlight.Peek().Publish : Task.Delay(50, cancellationToken), inFlight, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Bounded wait, cancelled rather than abandoned, so no orphaned waiter swallows a later wake-up.</summary>
    private async Task WaitForRecordsAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await outbox.WaitForRecordsAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Periodic re-check; also covers records appended by another process instance before start.
        }
    }

    private static async Task WhenAnyOrTimeout(Task wakeUp, Queue<(OutboxRecord Record, Task Publish)> inFlight, CancellationToken cancellationToken)
    {
        var tasks = new List<Task>(3) { wakeUp, Task.Delay(TimeSpan.FromSeconds(1), cancellationToken) };
        if (inFlight.Count > 0) tasks.Add(inFlight.Peek().Publish);
        var done = await Task.WhenAny(tasks).ConfigureAwait(false);
        if (done.IsCanceled) cancellationToken.ThrowIfCancellationRequested();
    }
}
