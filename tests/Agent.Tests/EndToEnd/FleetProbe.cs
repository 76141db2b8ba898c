using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Wire;
using Google.Protobuf;

namespace EdgeAgent.Agent.Tests.EndToEnd;

/// <summary>
/// The fleet side of a test: one MQTT client subscribed to everything the device publishes,
/// decoding replies, telemetry, results, events and status as they come, and publishing
/// commands as protobuf, exactly as any fleet tool would.
/// </summary>
public sealed class FleetProbe : IAsyncDisposable
{
    private readonly ReconnectingMqttClient _client;
    private readonly TopicTree _topics;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private readonly Lock _gate = new();
    private readonly List<Reply> _replies = [];
    private readonly List<EdgeAgent.Telemetry.Wire.Telemetry> _telemetry = [];
    private readonly List<Result> _results = [];
    private readonly List<Event> _events = [];
    private readonly List<Status> _statuses = [];

    private FleetProbe(ReconnectingMqttClient client, TopicTree topics)
    {
        _client = client;
        _topics = topics;
        _pump = Task.Run(PumpAsync);
    }

    public static async Task<FleetProbe> ConnectAsync(TestBroker broker, string deviceId)
    {
        var client = new ReconnectingMqttClient(new MqttClientOptions
        {
            Broker = broker.Address, ClientId = "fleet-" + Guid.NewGuid().ToString("N")[..12], KeepAliveSeconds = 10,
            ReconnectDelayMin = TimeSpan.FromMilliseconds(100), ReconnectDelayMax = TimeSpan.FromMilliseconds(500), IncomingCapacity = 100_000,
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await client.ConnectAsync(timeout.Token);
        var topics = TopicTree.Create(deviceId);
        await client.SubscribeAsync($"{topics.Prefix}/{deviceId}/#", MqttQos.AtLeastOnce, timeout.Token);
        return new FleetProbe(client, topics);
    }

    public IReadOnlyList<Reply> Replies { get { lock (_gate) return _replies.ToList(); } }
    public IReadOnlyList<EdgeAgent.Telemetry.Wire.Telemetry> Telemetry { get { lock (_gate) return _telemetry.ToList(); } }
    public IReadOnlyList<Result> Results { get { lock (_gate) return _results.ToList(); } }
    public IReadOnlyList<Event> Events { get { lock (_gate) return _events.ToList(); } }
    public IReadOnlyList<Status> Statuses { get { lock (_gate) return _statuses.ToList(); } }

    public IReadOnlyList<Reply> RepliesTo(string commandId) => Replies.Where(r => r.CommandId == commandId).ToList();

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var m in _client.Messages.ReadAllAsync(_stop.Token))
            {
                lock (_gate)
                {
                    if (m.Topic == _topics.Replies) _replies.Add(Reply.Parser.ParseFrom(m.Payload));
                    else if (m.Topic == _topics.Telemetry) _telemetry.Add(EdgeAgent.Telemetry.Wire.Telemetry.Parser.ParseFrom(m.Payload));
                    else if (m.Topic == _topics.Results) _results.Add(Result.Parser.ParseFrom(m.Payload));
                    else if (m.Topic == _topics.Events) _events.Add(Event.Parser.ParseFrom(m.Payload));
                    else if (m.Topic == _topics.Status) _statuses.Add(Status.Parser.ParseFrom(m.Payload));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public Task SendAsync(Command command) => PublishAsync(command.ToByteArray());

    /// <summary>Publishes, waiting out a reconnect (the broker may just have come back).</summary>
    public async Task PublishAsync(byte[] payload)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            try
            {
                await _client.WaitUntilConnectedAsync(timeout.Token);
                await _client.PublishAsync(_topics.Commands, payload, MqttQos.AtLeastOnce, false, timeout.Token);
                return;
            }
            catch (MqttNotConnectedException)
            {
                await Task.Delay(100, timeout.Token);
            }
        }
    }

    /// <summary>Waits until <paramref name="probe"/> finds something; fails naming what it waited for.</summary>
    public async Task<T> WaitAsync<T>(Func<FleetProbe, T?> probe, TimeSpan timeout, string what, Func<string>? context = null) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (probe(this) is { } found) return found;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"no {what} within {timeout.TotalSeconds} s; replies seen: " +
                    string.Join(" | ", Replies.Select(r => $"{r.CommandId}:{r.State}:{r.Reason}")) + (context is null ? "" : "\n" + context()));
            await Task.Delay(50);
        }
    }

    /// <summary>The first reply to <paramref name="commandId"/> in one of <paramref name="states"/>.</summary>
    public Task<Reply> WaitForReplyAsync(string commandId, TimeSpan timeout, Func<string>? context, params CommandState[] states) =>
        WaitAsync(p => p.RepliesTo(commandId).FirstOrDefault(r => states.Contains(r.State)), timeout,
            $"reply {string.Join("/", states)} to {commandId}", context);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _pump;
        }
        catch (OperationCanceledException)
        {
        }
        await _client.DisposeAsync();
    }
}
