using System.Runtime.InteropServices;
using System.Threading.Channels;
using EdgeAgent.Telemetry.Mqtt.Native;

namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>
/// MQTT client on libmosquitto. One dedicated thread owns the network loop (connect,
/// mosquitto_loop, reconnect with backoff); other threads only queue work, which
/// libmosquitto's threaded mode makes safe and wakes the loop for. Native callbacks arrive
/// on that thread and are turned into task completions, channel writes and events.
/// </summary>
public sealed partial class MosquittoClient : IMqttClient, IDisposable
{
    private const int LoopTimeoutMs = 200;

    private readonly MqttClientOptions _options;
    private readonly ReconnectBackoff _backoff;
    private readonly MidTracker _publishAcks = new();
    private readonly MidTracker _subscribeAcks = new();
    private readonly Channel<MqttMessage> _incoming;
    private readonly ManualResetEventSlim _stopSignal = new(false);
    private readonly Lock _gate = new();
    private readonly List<(string Filter, MqttQos Qos)> _subscriptions = [];
    private readonly nint _mosq;
    private GCHandle _self;
    private Thread? _loopThread;
    private TaskCompletionSource _connected = NewSignal();
    private TaskCompletionSource _firstOutcome = NewSignal();
    private volatile MqttConnectionState _state = MqttConnectionState.Disconnected;
    private volatile bool _stopping;
    private volatile bool _fallBackTo311;
    private volatile bool _retryNow;
    private volatile bool _connackSeen;
    private volatile string? _lastError;
    private int _failures;
    private int _disposed;
    private long _droppedIncoming;

    public MosquittoClient(MqttClientOptions options)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException("invalid MQTT options: " + string.Join("; ", problems), nameof(options));
        _options = options;
        _backoff = new ReconnectBackoff(options.ReconnectDelayMin, options.ReconnectDelayMax);
        _incoming = Channel.CreateBounded<MqttMessage>(new BoundedChannelOptions(options.IncomingCapacity)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full, which is what gets counted
        });
        MosquittoLibrary.EnsureInitialized();
        _self = GCHandle.Alloc(this);
        _mosq = LibMosquitto.New(options.ClientId, options.CleanSession, GCHandle.ToIntPtr(_self));
        if (_mosq == 0)
        {
            _self.Free();
            throw new MqttException("libmosquitto could not create a client (out of memory or invalid client id)");
        }
        try
        {
            Configure();
        }
        catch
        {
            LibMosquitto.Destroy(_mosq);
            _self.Free();
            throw;
        }
    }

    public MqttConnectionState State => _state;
    public string? LastError => _lastError;
    public ChannelReader<MqttMessage> Messages => _incoming.Reader;
    public BrokerAddress Broker => _options.Broker;

    /// <summary>Incoming messages discarded because the reader fell behind.</summary>
    public long DroppedIncoming => Interlocked.Read(ref _droppedIncoming);

    /// <summary>QoS 1 publishes still waiting for PUBACK.</summary>
    public int PendingPublishes => _publishAcks.PendingCount;

    public event Action<MqttConnectionChange>? ConnectionChanged;

    private unsafe void Configure()
    {
        Check(LibMosquitto.ThreadedSet(_mosq, true), "enable threaded mode");
        Check(LibMosquitto.IntOption(_mosq, LibMosquitto.OptTcpNoDelay, 1), "set TCP_NODELAY");
        Check(LibMosquitto.MaxInflightMessagesSet(_mosq, (uint)_options.MaxInflight), "set max in-flight");
        if (_options.Username is not null)
            Check(LibMosquitto.UsernamePwSet(_mosq, _options.Username, _options.Password), "set username/password");
        if (_options.Broker.UseTls)
        {
            Check(LibMosquitto.TlsSet(_mosq, _options.CaFile, null, _options.CertFile, _options.KeyFile, 0), "configure TLS");
            if (_options.TlsSkipHostnameCheck) Check(LibMosquitto.TlsInsecureSet(_mosq, true), "disable TLS host name check");
        }
        if (_options.Will is { } will)
        {
            if (LibMosquitto.PubTopicCheck(will.Topic) != 0) throw new ArgumentException($"invalid will topic '{will.Topic}'");
            fixed (byte* p = will.Payload.Span)
                Check(LibMosquitto.WillSet(_mosq, will.Topic, will.Payload.Length, p, (int)will.Qos, will.Retain), "set last will");
        }
        LibMosquitto.ConnectWithFlagsCallbackSet(_mosq, &OnConnectNative);
        LibMosquitto.DisconnectCallbackSet(_mosq, &OnDisconnectNative);
        LibMosquitto.PublishV5CallbackSet(_mosq, &OnPublishNative);
        LibMosquitto.MessageCallbackSet(_mosq, &OnMessageNative);
        LibMosquitto.SubscribeCallbackSet(_mosq, &OnSubscribeNative);
        if (_options.Log is not null) LibMosquitto.LogCallbackSet(_mosq, &OnLogNative);
    }

    public Task ConnectAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        lock (_gate)
        {
            if (_loopThread is null)
            {
                _loopThread = new Thread(RunLoop) { IsBackground = true, Name = "mqtt-" + _options.ClientId };
                _loopThread.Start();
            }
        }
        return _firstOutcome.Task.WaitAsync(cancellationToken);
    }

    public Task WaitUntilConnectedAsync(CancellationToken cancellationToken)
    {
        lock (_gate) return _connected.Task.WaitAsync(cancellationToken);
    }

    /// <remarks>Not an async method: a refused publish throws here, where the caller can still keep its
    /// order, and for QoS 1 the returned task is the acknowledgement itself (no continuation, no
    /// thread-pool hop per message; wrapped only when the token can actually cancel).</remarks>
    public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQos qos, bool retain,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        // libmosquitto would report "no connection" yet keep a QoS 1 message queued and send it
        // after the next CONNACK, leaving the caller unsure whether it went out. Refuse up front.
        if (_state != MqttConnectionState.Connected)
            throw new MqttNotConnectedException($"cannot publish to '{topic}': not connected to {_options.Broker} ({_lastError ?? "connecting"})");
        int rc = PublishNative(topic, payload.Span, qos, retain, out int mid);
        if (rc == MosquittoError.NoConnection)
            throw new MqttNotConnectedException($"cannot publish to '{topic}': connection to {_options.Broker} just dropped");
        if (rc != MosquittoError.Success)
            throw new MqttException($"publish to '{topic}' failed: {LibMosquitto.ErrorText(rc)}", rc);
        // QoS 0 has no acknowledgement, and a reconnect silently drops it from the queue,
        // so waiting for its send callback could wait forever.
        if (qos == MqttQos.AtMostOnce) return Task.CompletedTask;
        var acknowledged = _publishAcks.Register(mid, topic);
        return cancellationToken.CanBeCanceled ? acknowledged.WaitAsync(cancellationToken) : acknowledged;
    }

    private unsafe int PublishNative(string topic, ReadOnlySpan<byte> payload, MqttQos qos, bool retain, out int mid)
    {
        fixed (byte* p = payload)
            return LibMosquitto.Publish(_mosq, out mid, topic, payload.Length, p, (int)qos, retain);
    }

    public async Task SubscribeAsync(string filter, MqttQos qos, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (LibMosquitto.SubTopicCheck(filter) != 0) throw new ArgumentException($"invalid topic filter '{filter}'", nameof(filter));
        lock (_gate)
        {
            _subscriptions.RemoveAll(s => s.Filter == filter);
            _subscriptions.Add((filter, qos));
        }
        // Not connected yet: the CONNACK handler subscribes everything remembered.
        if (_state != MqttConnectionState.Connected)
        {
            await WaitUntilConnectedAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        int rc = LibMosquitto.Subscribe(_mosq, out int mid, filter, (int)qos);
        if (rc == MosquittoError.NoConnection) return; // renewed on the next CONNACK
        if (rc != MosquittoError.Success)
            throw new MqttException($"subscribe to '{filter}' failed: {LibMosquitto.ErrorText(rc)}", rc);
        int granted = await _subscribeAcks.Register(mid).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (granted >= 0x80) throw new MqttException($"broker refused subscription to '{filter}'", granted);
    }

    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (_publishAcks.PendingCount > 0 && _state == MqttConnectionState.Connected)
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Disconnect anyway; the caller's outbox still holds what was not acknowledged.
        }
        await DisposeAsync().ConfigureAwait(false);
    }

    private void RunLoop()
    {
        bool socketOpen = false;
        while (!_stopping)
        {
            if (!socketOpen)
            {
                if (_failures > 0 && !_retryNow && _stopSignal.Wait(_backoff.Next(_failures))) break;
                _retryNow = false;
                SetState(MqttConnectionState.Connecting, false, null);
                int rc = ConnectOnce();
                if (rc != MosquittoError.Success)
                {
                    _failures++;
                    _lastError = $"cannot reach {_options.Broker}: {LibMosquitto.ErrorText(rc)}";
                    Note(_lastError);
                    SetState(MqttConnectionState.Disconnected, false, _lastError);
                    continue;
                }
                _connackSeen = false;
                socketOpen = true;
            }
            int lrc = LibMosquitto.Loop(_mosq, LoopTimeoutMs, 1);
            if (lrc == MosquittoError.Success) continue;
            socketOpen = false;
            if (_stopping) break;
            if (!_connackSeen && ProtocolFallback.ShouldFallBackOnError(CurrentProtocol(), _options.Protocol, lrc))
            {
                _fallBackTo311 = true;
                _retryNow = true;
            }
            _failures++;
            if (lrc != MosquittoError.ConnectionRefused || _lastError is null)
                _lastError = $"connection to {_options.Broker} lost: {LibMosquitto.ErrorText(lrc)}";
            Note(_lastError);
            SetState(MqttConnectionState.Disconnected, false, _lastError);
        }
    }

    private int CurrentProtocol() =>
        _fallBackTo311 || _options.Protocol == MqttProtocol.V311 ? LibMosquitto.ProtocolV311 : LibMosquitto.ProtocolV5;

    private int ConnectOnce()
    {
        int protocol = CurrentProtocol();
        int rc = LibMosquitto.IntOption(_mosq, LibMosquitto.OptProtocolVersion, protocol);
        if (rc != MosquittoError.Success) return rc;
        nint properties = 0;
        try
        {
            // MQTT 5 ends a session at disconnect unless an expiry interval says otherwise.
            if (protocol == LibMosquitto.ProtocolV5 && !_options.CleanSession)
            {
                rc = LibMosquitto.PropertyAddInt32(ref properties, LibMosquitto.PropSessionExpiryInterval, _options.SessionExpirySeconds);
                if (rc != MosquittoError.Success) return rc;
            }
            return LibMosquitto.ConnectBindV5(_mosq, _options.Broker.Host, _options.Broker.Port,
                _options.KeepAliveSeconds, null, properties);
        }
        finally
        {
            if (properties != 0) LibMosquitto.PropertyFreeAll(ref properties);
        }
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
            // A failing log sink must not take the network thread down.
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static void Check(int rc, string what)
    {
        if (rc != MosquittoError.Success) throw new MqttException($"cannot {what}: {LibMosquitto.ErrorText(rc)}", rc);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stopping = true;
        _stopSignal.Set();
        // Wakes the loop through libmosquitto's socket pair and sends DISCONNECT, so the broker does not
        // publish the will: a clean shutdown is announced by the caller's own "offline" status instead.
        LibMosquitto.Disconnect(_mosq);
        bool stopped = true;
        if (_loopThread is { } thread)
            stopped = await Task.Run(() => thread.Join(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        SetState(MqttConnectionState.Disconnected, false, "disposed");
        _state = MqttConnectionState.Disposed;
        var disposedError = new ObjectDisposedException(nameof(MosquittoClient), "the MQTT client was disposed");
        _publishAcks.FailAll(disposedError);
        _subscribeAcks.FailAll(disposedError);
        _firstOutcome.TrySetException(disposedError);
        lock (_gate) _connected.TrySetException(disposedError);
        _incoming.Writer.TryComplete();
        if (stopped)
        {
            LibMosquitto.Destroy(_mosq);
            _self.Free();
        }
        else
        {
            // The loop thread is stuck inside a blocking native connect; freeing the handle under
            // it would crash the process, so the native client is leaked instead.
            Note("MQTT network thread did not stop within 10 s; leaking the native client");
            return;
        }
        _stopSignal.Dispose();
    }
}
