using System.Buffers;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using NetClient = MQTTnet.IMqttClient;

namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>
/// The device's MQTT client: MQTTnet for the protocol, and on top what MQTTnet 5 leaves to its user —
/// reconnecting with capped exponential backoff and jitter, falling back from MQTT 5 to 3.1.1, renewing
/// subscriptions after a session was lost, and the promises <see cref="IMqttClient"/> makes.
/// </summary>
/// <remarks>
/// One connection loop owns the life cycle. Each connection gets its own MQTTnet client, so a publish
/// still unwinding on a dead connection can never touch the next one (MQTTnet forbids connecting while
/// other calls are under way on the same client).
/// </remarks>
public sealed partial class ReconnectingMqttClient : IMqttClient
{
    private static readonly MqttClientFactory Factory = new();

    private readonly MqttClientOptions _options;
    private readonly TlsSettings? _tls;
    private readonly ReconnectBackoff _backoff;
    private readonly Channel<MqttMessage> _incoming;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<Subscription> _subscriptions = [];
    private Task? _loop;
    private volatile Connection? _connection;
    private TaskCompletionSource _connected = NewSignal();
    private readonly TaskCompletionSource _firstOutcome = NewSignal();
    private volatile MqttConnectionState _state = MqttConnectionState.Disconnected;
    private volatile string? _lastError;
    private volatile bool _fallBackTo311;
    private int _disposed;
    private long _droppedIncoming;
    private int _pendingPublishes;

    /// <summary>A remembered subscription; <see cref="Generation"/> is the connection it was last made on.</summary>
    private sealed class Subscription(string filter, MqttQos qos)
    {
        public string Filter { get; } = filter;
        public MqttQos Qos { get; set; } = qos;
        public long Generation { get; set; }
    }

    /// <summary>One live connection: its MQTTnet client, its protocol, and a signal set when it is lost.</summary>
    private sealed class Connection(NetClient client, MqttProtocol protocol, long generation)
    {
        public NetClient Client { get; } = client;
        public MqttProtocol Protocol { get; } = protocol;
        public long Generation { get; } = generation;
        public TaskCompletionSource<string> Lost { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public ReconnectingMqttClient(MqttClientOptions options)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException("invalid MQTT options: " + string.Join("; ", problems), nameof(options));
        if (options.Will is { } will) CheckTopic(will.Topic, "will topic");
        _options = options;
        _tls = options.Broker.UseTls ? TlsSettings.Load(options) : null;
        _backoff = new ReconnectBackoff(options.ReconnectDelayMin, options.ReconnectDelayMax);
        _incoming = Channel.CreateBounded<MqttMessage>(new BoundedChannelOptions(options.IncomingCapacity)
        {
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full, which is what gets counted
        });
    }

    public MqttConnectionState State => _state;
    public string? LastError => _lastError;
    public ChannelReader<MqttMessage> Messages => _incoming.Reader;
    public BrokerAddress Broker => _options.Broker;

    public MqttProtocol NegotiatedProtocol => _connection?.Protocol ?? CurrentProtocol();

    /// <summary>Incoming messages discarded because the reader fell behind.</summary>
    public long DroppedIncoming => Interlocked.Read(ref _droppedIncoming);

    /// <summary>QoS 1 publishes still waiting for PUBACK.</summary>
    public int PendingPublishes => Volatile.Read(ref _pendingPublishes);

    public event Action<MqttConnectionChange>? ConnectionChanged;

    public Task ConnectAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        lock (_gate) _loop ??= Task.Run(RunAsync);
        return _firstOutcome.Task.WaitAsync(cancellationToken);
    }

    public Task WaitUntilConnectedAsync(CancellationToken cancellationToken)
    {
        lock (_gate) return _connected.Task.WaitAsync(cancellationToken);
    }

    public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQos qos, bool retain, CancellationToken cancellationToken) =>
        PublishAsync(topic, payload, qos, retain, null, cancellationToken);

    /// <remarks>Not an async method: a refused publish throws here, where the caller still keeps its order.</remarks>
    public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQos qos, bool retain, MqttPublishProperties? properties,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        CheckTopic(topic, "topic");
        var connection = _connection;
        if (_state != MqttConnectionState.Connected || connection is null)
            throw new MqttNotConnectedException($"cannot publish to '{topic}': not connected to {_options.Broker} ({_lastError ?? "connecting"})");
        var message = new MqttApplicationMessage
        {
            Topic = topic,
            Payload = new ReadOnlySequence<byte>(payload),
            QualityOfServiceLevel = qos == MqttQos.AtLeastOnce ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce,
            Retain = retain,
        };
        if (properties is not null && connection.Protocol == MqttProtocol.V5) ApplyProperties(message, properties);
        Task<MqttClientPublishResult> sending;
        try
        {
            sending = connection.Client.PublishAsync(message, cancellationToken);
        }
        catch (MqttClientNotConnectedException)
        {
            throw new MqttNotConnectedException($"cannot publish to '{topic}': connection to {_options.Broker} just dropped");
        }
        if (qos == MqttQos.AtLeastOnce) Interlocked.Increment(ref _pendingPublishes);
        return Settle(sending, topic, qos, cancellationToken);
    }

    private async Task Settle(Task<MqttClientPublishResult> sending, string topic, MqttQos qos, CancellationToken cancellationToken)
    {
        MqttClientPublishResult result;
        try
        {
            result = await sending.ConfigureAwait(false);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested)
        {
            // MQTTnet reports a cancelled wait for PUBACK as a timeout; the caller asked for cancellation.
            throw new OperationCanceledException($"publish to '{topic}' was cancelled", e, cancellationToken);
        }
        catch (Exception e)
        {
            // Connection lost, timed out waiting for PUBACK, or the client closed: not known to be delivered.
            throw new MqttNotConnectedException($"publish to '{topic}' was not acknowledged: connection to {_options.Broker} lost ({Innermost(e).Message})");
        }
        finally
        {
            if (qos == MqttQos.AtLeastOnce) Interlocked.Decrement(ref _pendingPublishes);
        }
        int code = (int)result.ReasonCode;
        if (code >= 0x80) throw new MqttException($"broker rejected publish to '{topic}': {ReasonCodes.Describe(code)}", code);
    }

    private static void ApplyProperties(MqttApplicationMessage message, MqttPublishProperties properties)
    {
        message.MessageExpiryInterval = properties.MessageExpirySeconds;
        message.ContentType = properties.ContentType;
        message.ResponseTopic = properties.ResponseTopic;
        message.CorrelationData = properties.CorrelationData;
        if (properties.UserProperties.Count > 0)
            message.UserProperties = [.. properties.UserProperties.Select(p => new MQTTnet.Packets.MqttUserProperty(p.Key, System.Text.Encoding.UTF8.GetBytes(p.Value).AsMemory()))];
    }

    public async Task SubscribeAsync(string filter, MqttQos qos, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        try
        {
            MqttTopicValidator.ThrowIfInvalidSubscribe(filter);
        }
        catch (MqttProtocolViolationException e)
        {
            throw new ArgumentException($"invalid topic filter '{filter}': {e.Message}", nameof(filter));
        }
        Subscription entry;
        lock (_gate)
        {
            _subscriptions.RemoveAll(s => s.Filter == filter);
            _subscriptions.Add(entry = new Subscription(filter, qos));
        }
        while (true)
        {
            var connection = _connection;
            if (_state != MqttConnectionState.Connected || connection is null)
            {
                // The connection loop subscribes everything remembered before it reports Connected.
                await WaitUntilConnectedAsync(cancellationToken).ConfigureAwait(false);
                lock (_gate)
                    if (entry.Generation == _connection?.Generation) return;
                continue;
            }
            try
            {
                await SubscribeOnAsync(connection, entry, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is MqttCommunicationException or MqttClientNotConnectedException)
            {
                // Lost mid-subscribe: the next connection renews it.
            }
        }
    }

    private async Task SubscribeOnAsync(Connection connection, Subscription entry, CancellationToken cancellationToken)
    {
        var request = Factory.CreateSubscribeOptionsBuilder()
            .WithTopicFilter(entry.Filter, entry.Qos == MqttQos.AtLeastOnce ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce)
            .Build();
        var result = await connection.Client.SubscribeAsync(request, cancellationToken).ConfigureAwait(false);
        int code = result.Items.Count > 0 ? (int)result.Items.First().ResultCode : 0x80;
        if (code >= 0x80) throw new MqttException($"broker refused subscription to '{entry.Filter}': {ReasonCodes.Describe(code)}", code);
        lock (_gate) entry.Generation = connection.Generation;
    }

    /// <summary>Waits for outstanding QoS 1 acknowledgements (bounded by the token), then sends DISCONNECT.</summary>
    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (PendingPublishes > 0 && _state == MqttConnectionState.Connected)
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Disconnect anyway; the caller's outbox still holds what was not acknowledged.
        }
        await DisposeAsync().ConfigureAwait(false);
    }

    private MqttProtocol CurrentProtocol() =>
        _fallBackTo311 || _options.Protocol == MqttProtocol.V311 ? MqttProtocol.V311 : MqttProtocol.V5;

    private static void CheckTopic(string topic, string what)
    {
        if (string.IsNullOrEmpty(topic) || topic.Contains('+') || topic.Contains('#') || topic.Contains('\0'))
            throw new ArgumentException($"invalid {what} '{topic}': a publish topic is non-empty and has no wildcards");
    }

    private void SetState(MqttConnectionState state, bool sessionPresent, string? reason)
    {
        var previous = _state;
        if (previous == MqttConnectionState.Disposed) return;
        _state = state;
        if (state == MqttConnectionState.Connected)
        {
            lock (_gate) _connected.TrySetResult();
            _firstOutcome.TrySetResult();
        }
        else if (previous == MqttConnectionState.Connected)
        {
            lock (_gate) _connected = NewSignal();
        }
        if (previous == state) return;
        try
        {
            ConnectionChanged?.Invoke(new MqttConnectionChange(state, sessionPresent, reason));
        }
        catch (Exception e)
        {
            Note("connection handler failed: " + e.Message);
        }
    }

    private void Note(string line)
    {
        try
        {
            _options.Log?.Invoke(line);
        }
        catch
        {
            // A failing log sink must not take the connection loop down.
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stop.Cancel();
        if (_loop is { } loop)
            await loop.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_connection is { } connection) await CloseAsync(connection).ConfigureAwait(false);
        SetState(MqttConnectionState.Disconnected, false, "disposed");
        _state = MqttConnectionState.Disposed;
        var disposedError = new ObjectDisposedException(nameof(ReconnectingMqttClient), "the MQTT client was disposed");
        _firstOutcome.TrySetException(disposedError);
        lock (_gate) _connected.TrySetException(disposedError);
        _incoming.Writer.TryComplete();
        _stop.Dispose();
    }
}
