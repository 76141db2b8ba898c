using System.Text;
using System.Threading.Channels;
using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Outbox;
using EdgeAgent.Telemetry.Tests.Infrastructure;

namespace EdgeAgent.Telemetry.Tests.Outbox;

/// <summary>The forwarder against a scripted client: what counts as delivered, and acknowledgements out of order.</summary>
public sealed class OutboxForwarderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeagent-forwarder-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private DiskOutbox OpenOutbox() => DiskOutbox.Open(new OutboxOptions { Directory = _dir, Fsync = FsyncPolicy.Never });

    private static (string, byte[]) Render(OutboxRecord record) => ("edgeagent/d/telemetry", record.Payload);

    [Fact]
    public async Task APublishThatFailsBecauseTheConnectionDroppedIsSentAgainNotCountedAsRejected()
    {
        var ct = Timeouts.Token(30);
        using var outbox = OpenOutbox();
        // The first three publishes fail the way a connection lost between the state check and the
        // publish does: a faulted task rather than an exception.
        var client = new ScriptedClient(n => n <= 3 ? Task.FromException(new MqttNotConnectedException("gone")) : Task.CompletedTask);
        for (int i = 0; i < 5; i++) outbox.Append("telemetry", Encoding.UTF8.GetBytes($"m{i}"), 0);
        var forwarder = new OutboxForwarder(outbox, client, Render, window: 64, linger: TimeSpan.FromMilliseconds(1));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = forwarder.RunAsync(stop.Token);

        await Until(() => outbox.Stats.Pending == 0, ct);
        Assert.Equal(0, forwarder.Stats.Rejected);
        Assert.Equal(5, forwarder.Stats.Published);
        Assert.InRange(forwarder.Stats.Resends, 1, 3); // one per failed head, fewer when a rewind re-issued past them
        // m3 and m4 got through the first time too, but only a delivered prefix may be acknowledged: all five go again.
        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], client.Delivered.TakeLast(5));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task ABrokerRejectionIsCountedAndTheQueueMovesOn()
    {
        var ct = Timeouts.Token(30);
        using var outbox = OpenOutbox();
        var client = new ScriptedClient(n => n == 2 ? Task.FromException(new MqttException("quota", 0x97)) : Task.CompletedTask);
        for (int i = 0; i < 3; i++) outbox.Append("telemetry", Encoding.UTF8.GetBytes($"m{i}"), 0);
        var forwarder = new OutboxForwarder(outbox, client, Render, window: 64, linger: TimeSpan.FromMilliseconds(1));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = forwarder.RunAsync(stop.Token);

        await Until(() => outbox.Stats.Pending == 0, ct);
        Assert.Equal(1, forwarder.Stats.Rejected);
        Assert.Equal(0, forwarder.Stats.Resends);
        Assert.Equal(["m0", "m2"], client.Delivered);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task AcknowledgementsArrivingNewestFirstStillSettleTheWholeBatch()
    {
        var ct = Timeouts.Token(30);
        using var outbox = OpenOutbox();
        var acks = new List<TaskCompletionSource>();
        var client = new ScriptedClient(_ =>
        {
            var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (acks) acks.Add(ack);
            return ack.Task;
        });
        for (int i = 0; i < 10; i++) outbox.Append("telemetry", Encoding.UTF8.GetBytes($"m{i}"), 0);
        var forwarder = new OutboxForwarder(outbox, client, Render, window: 64, linger: TimeSpan.FromMilliseconds(1));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = forwarder.RunAsync(stop.Token);

        await Until(() => { lock (acks) return acks.Count == 10; }, ct);
        for (int i = 9; i >= 1; i--) acks[i].SetResult();
        await Task.Delay(100, ct);
        Assert.Equal(10, outbox.Stats.Pending); // the oldest is still unacknowledged, so nothing may be
        acks[0].SetResult();
        await Until(() => outbox.Stats.Pending == 0, ct);
        Assert.Equal(10, forwarder.Stats.Published);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    private static async Task Until(Func<bool> condition, CancellationToken ct)
    {
        while (!condition()) await Task.Delay(10, ct);
    }

    /// <summary>Always connected; the n-th publish (from 1) gets the task the script returns for n.</summary>
    private sealed class ScriptedClient(Func<int, Task> script) : IMqttClient
    {
        private readonly List<(string Payload, Task Outcome)> _published = [];

        public MqttConnectionState State => MqttConnectionState.Connected;
        public MqttProtocol NegotiatedProtocol => MqttProtocol.V5;
        public string? LastError => null;
        public ChannelReader<MqttMessage> Messages { get; } = Channel.CreateUnbounded<MqttMessage>().Reader;

        public event Action<MqttConnectionChange>? ConnectionChanged
        {
            add { }
            remove { }
        }

        /// <summary>Payloads whose publish succeeded, in publish order.</summary>
        public List<string> Delivered
        {
            get
            {
                lock (_published)
                    return _published.Where(p => p.Outcome.IsCompletedSuccessfully).Select(p => p.Payload).ToList();
            }
        }

        public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQos qos, bool retain, MqttPublishProperties? properties,
            CancellationToken cancellationToken)
        {
            lock (_published)
            {
                var outcome = script(_published.Count + 1);
                _published.Add((Encoding.UTF8.GetString(payload.Span), outcome));
                return outcome;
            }
        }

        public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task WaitUntilConnectedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task SubscribeAsync(string filter, MqttQos qos, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
