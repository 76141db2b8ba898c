using System.Buffers;
using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Outbox;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Link;

/// <summary>
/// The device's side of the fleet contract: publishes status (retained, with an "offline"
/// Last Will), sends telemetry, events, results and replies through the outbox, and hands
/// validated commands to the agent. Malformed commands are answered REJECTED here, so the
/// agent only ever sees commands it can act on.
/// </summary>
public sealed class DeviceLink : IAsyncDisposable
{
    private readonly DeviceLinkOptions _options;
    private readonly IMqttClient _client;
    private readonly IOutbox _outbox;
    private readonly TimeProvider _time;
    private readonly OutboxForwarder _forwarder;
    private readonly Channel<Command> _commands = Channel.CreateBounded<Command>(new BoundedChannelOptions(256) { SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers = [];
    private readonly MqttPublishProperties _plainProperties;
    private readonly MqttPublishProperties _telemetryProperties;
    private long _rejectedCommands;
    private int _started;

    public DeviceLink(DeviceLinkOptions options, IMqttClient client, IOutbox outbox, TimeProvider? time = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException("invalid device link options: " + string.Join("; ", problems), nameof(options));
        _options = options;
        _client = client;
        _outbox = outbox;
        _time = time ?? TimeProvider.System;
        Topics = TopicTree.Create(options.DeviceId, options.TopicPrefix);
        _plainProperties = MessageProperties.For(options.PayloadFormat, expirySeconds: 0);
        _telemetryProperties = MessageProperties.For(options.PayloadFormat, options.TelemetryExpirySeconds);
        _forwarder = new OutboxForwarder(outbox, client, Render, options.PublishWindow,
            properties: record => record.Stream == Streams.Telemetry ? _telemetryProperties : _plainProperties);
    }

    public TopicTree Topics { get; }
    public ChannelReader<Command> Commands => _commands.Reader;
    public long RejectedCommands => Interlocked.Read(ref _rejectedCommands);
    public ForwarderStats ForwarderStats => _forwarder.Stats;

    /// <summary>Fills the ONLINE status (engine, hardware, deployment state); called on every connect.</summary>
    public Func<Status>? DescribeStatus { get; set; }

    /// <summary>The Last Will to configure on the MQTT client: this device's retained OFFLINE status.</summary>
    public static MqttWill CreateWill(DeviceLinkOptions options)
    {
        var topics = TopicTree.Create(options.DeviceId, options.TopicPrefix);
        var status = new Status
        {
            Header = new Header { SchemaVersion = Contract.SchemaVersion, DeviceId = options.DeviceId },
            State = Status.Types.State.Offline,
            AgentVersion = options.AgentVersion,
            PayloadFormat = options.PayloadFormat.Name(),
        };
        return new MqttWill(topics.Status, WireCodec.Encode(status, options.PayloadFormat), MqttQos.AtLeastOnce, Retain: true);
    }

    /// <summary>Starts connecting, forwarding and listening; returns at once (the broker may be down for hours).</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("the device link is already started");
        _client.ConnectionChanged += OnConnectionChanged;
        var token = _stop.Token;
        _workers.Add(ObserveAsync(_client.ConnectAsync(token)));
        _workers.Add(ObserveAsync(_client.SubscribeAsync(Topics.Commands, MqttQos.AtLeastOnce, token)));
        _workers.Add(Task.Run(() => _forwarder.RunAsync(token), token));
        _workers.Add(Task.Run(() => PumpCommandsAsync(token), token));
        if (_client.State == MqttConnectionState.Connected) _ = PublishOnlineAsync();
    }

    public ulong Enqueue(Wire.Telemetry telemetry) => Append(Streams.Telemetry, telemetry);
    public ulong Enqueue(Event @event) => Append(Streams.Events, @event);
    public ulong Enqueue(Result result) => Append(Streams.Results, result);
    public ulong Enqueue(Reply reply) => Append(Streams.Replies, reply);

    /// <summary>Several messages with one outbox write (a producer with bursts pays one system call, not one
    /// per message). Returns the first one's sequence number; the others follow it consecutively.</summary>
    public ulong EnqueueAll(ReadOnlySpan<Wire.Telemetry> telemetry) => AppendAll(Streams.Telemetry, telemetry);
    public ulong EnqueueAll(ReadOnlySpan<Result> results) => AppendAll(Streams.Results, results);

    private ulong Append(string stream, IHeaderedMessage message)
    {
        Stamp(message);
        return _outbox.Append(stream, message.ToByteArray(), _time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    private ulong AppendAll<T>(string stream, ReadOnlySpan<T> messages) where T : IHeaderedMessage
    {
        if (messages.IsEmpty) return 0;
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        int total = 0;
        foreach (var message in messages)
        {
            Stamp(message);
            total += message.CalculateSize();
        }
        var bytes = ArrayPool<byte>.Shared.Rent(total);
        var entries = ArrayPool<OutboxEntry>.Shared.Rent(messages.Length);
        var sequences = ArrayPool<ulong>.Shared.Rent(messages.Length);
        try
        {
            int offset = 0;
            for (int i = 0; i < messages.Length; i++)
            {
                int size = messages[i].CalculateSize();
                messages[i].WriteTo(bytes.AsSpan(offset, size));
                entries[i] = new OutboxEntry(stream, bytes.AsMemory(offset, size), now);
                offset += size;
            }
            _outbox.Append(entries.AsSpan(0, messages.Length), sequences);
            return sequences[0];
        }
        finally
        {
            ArrayPool<OutboxEntry>.Shared.Return(entries, clearArray: true);
            ArrayPool<ulong>.Shared.Return(sequences);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private void Stamp(IHeaderedMessage message)
    {
        var header = message.Header ??= new Header();
        header.SchemaVersion = Contract.SchemaVersion;
        header.DeviceId = _options.DeviceId;
        header.Time ??= Timestamp.FromDateTimeOffset(_time.GetUtcNow());
        // Sequence and drop count are stamped when sending: the outbox assigns the first, and the
        // second is only known then.
        header.Seq = 0;
        header.DroppedBefore = 0;
    }

    private (string Topic, byte[] Payload) Render(OutboxRecord record)
    {
        IHeaderedMessage message = record.Stream switch
        {
            Streams.Telemetry => Wire.Telemetry.Parser.ParseFrom(record.Payload),
            Streams.Events => Event.Parser.ParseFrom(record.Payload),
            Streams.Results => Result.Parser.ParseFrom(record.Payload),
            Streams.Replies => Reply.Parser.ParseFrom(record.Payload),
            _ => throw new InvalidDataException($"outbox record of unknown stream '{record.Stream}'"),
        };
        message.Header ??= new Header();
        message.Header.Seq = record.Sequence;
        message.Header.DroppedBefore = _outbox.TakeDropped(record.Stream);
        return (Topics.ForStream(record.Stream), WireCodec.Encode(message, _options.PayloadFormat));
    }

    /// <summary>Publishes the ONLINE status again (retained), e.g. when the deployment state it describes changed; a no-op while offline.</summary>
    public void RefreshStatus()
    {
        if (Volatile.Read(ref _started) == 1 && !_stop.IsCancellationRequested && _client.State == MqttConnectionState.Connected) _ = PublishOnlineAsync();
    }

    private void OnConnectionChanged(MqttConnectionChange change)
    {
        if (change.State == MqttConnectionState.Connected) _ = PublishOnlineAsync();
    }

    private async Task PublishOnlineAsync()
    {
        try
        {
            var status = DescribeStatus?.Invoke() ?? new Status();
            status.Header = new Header
            {
                SchemaVersion = Contract.SchemaVersion, DeviceId = _options.DeviceId, Time = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
            };
            status.State = Status.Types.State.Online;
            if (status.AgentVersion.Length == 0) status.AgentVersion = _options.AgentVersion;
            status.PayloadFormat = _options.PayloadFormat.Name();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await _client.PublishAsync(Topics.Status, WireCodec.Encode(status, _options.PayloadFormat), MqttQos.AtLeastOnce, true, _plainProperties,
                    timeout.Token)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is MqttException or OperationCanceledException or ObjectDisposedException)
        {
            // The next connect publishes it again.
        }
    }

    private async Task PumpCommandsAsync(CancellationToken cancellationToken)
    {
        await foreach (var message in _client.Messages.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (message.Topic != Topics.Commands) continue;
            if (!WireCodec.TryDecode(message.Payload, Command.Parser, out Command command, out var error))
            {
                Reject("", error);
                continue;
            }
            if (CommandValidator.Validate(command, _time.GetUtcNow()) is { } problem)
            {
                Reject(command.CommandId, problem);
                continue;
            }
            await _commands.Writer.WriteAsync(command, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Reject(string commandId, string reason)
    {
        Interlocked.Increment(ref _rejectedCommands);
        Enqueue(new Reply { CommandId = commandId, State = CommandState.Rejected, Reason = reason });
    }

    private static async Task ObserveAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is MqttException or OperationCanceledException or ObjectDisposedException)
        {
            // Connection problems surface through the client's state and LastError.
        }
    }

    /// <summary>Announces OFFLINE (a clean stop does not trigger the will), then stops forwarding.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_client.State == MqttConnectionState.Connected)
        {
            try
            {
                var will = CreateWill(_options);
                await _client.PublishAsync(will.Topic, will.Payload, MqttQos.AtLeastOnce, true, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MqttException or OperationCanceledException)
            {
                // The will covers this case if the connection is gone.
            }
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        _client.ConnectionChanged -= OnConnectionChanged;
        foreach (var worker in _workers)
        {
            try
            {
                await worker.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        _workers.Clear();
        _commands.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _stop.Dispose();
    }
}
