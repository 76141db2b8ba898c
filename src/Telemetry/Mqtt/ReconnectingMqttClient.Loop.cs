using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>The connection loop: connect, serve until the connection is lost, wait out the backoff, again.</summary>
public sealed partial class ReconnectingMqttClient
{
    private long _generation;

    private async Task RunAsync()
    {
        var stop = _stop.Token;
        int failures = 0;
        bool retryNow = false;
        while (!stop.IsCancellationRequested)
        {
            if (failures > 0 && !retryNow)
            {
                try
                {
                    await Task.Delay(_backoff.Next(failures), stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            retryNow = false;
            SetState(MqttConnectionState.Connecting, false, null);
            var protocol = CurrentProtocol();
            var client = Factory.CreateMqttClient();
            var connection = new Connection(client, protocol, Interlocked.Increment(ref _generation));
            client.DisconnectedAsync += e =>
            {
                connection.Lost.TrySetResult(DescribeLoss(e));
                return Task.CompletedTask;
            };
            client.ApplicationMessageReceivedAsync += OnMessage;
            MqttClientConnectResult result;
            try
            {
                result = await client.ConnectAsync(BuildOptions(protocol), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                client.Dispose();
                break;
            }
            catch (Exception e)
            {
                client.Dispose();
                failures++;
                OnConnectFailure(e, protocol, ref retryNow);
                continue;
            }
            int code = (int)result.ResultCode;
            if (code != 0)
            {
                client.Dispose();
                _lastError = $"broker {_options.Broker} refused the connection: {ReasonCodes.Describe(code)}";
                Note(_lastError);
                if (ProtocolFallback.ShouldFallBackOnRefusal((int)protocol, _options.Protocol, code))
                {
                    _fallBackTo311 = true;
                    retryNow = true;
                    continue;
                }
                if (ProtocolFallback.IsCredentialRefusal(code))
                    _firstOutcome.TrySetException(new MqttConnectRefusedException(_lastError, code));
                failures++;
                SetState(MqttConnectionState.Disconnected, false, _lastError);
                continue;
            }
            failures = 0;
            _lastError = null;
            _connection = connection;
            await RenewSubscriptionsAsync(connection, result.IsSessionPresent, stop).ConfigureAwait(false);
            SetState(MqttConnectionState.Connected, result.IsSessionPresent, null);
            string reason;
            try
            {
                reason = await connection.Lost.Task.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break; // DisposeAsync sends DISCONNECT on this connection
            }
            _connection = null;
            client.Dispose();
            failures++;
            _lastError = $"connection to {_options.Broker} lost: {reason}";
            Note(_lastError);
            SetState(MqttConnectionState.Disconnected, false, _lastError);
        }
    }

    private void OnConnectFailure(Exception e, MqttProtocol protocol, ref bool retryNow)
    {
        if (Find<AuthenticationException>(e) is not null || _tls?.LastRefusal is not null)
        {
            // Certificates do not fix themselves between retries: say so once, clearly, and keep trying
            // (the broker's certificate may be replaced), but fail the first ConnectAsync.
            _lastError = $"TLS handshake with {_options.Broker} failed: {_tls?.LastRefusal ?? Innermost(e).Message}";
            _firstOutcome.TrySetException(new MqttConnectRefusedException(_lastError, 0));
        }
        else if (Find<SocketException>(e) is { } socket)
        {
            _lastError = $"cannot reach {_options.Broker}: {socket.Message}";
        }
        else
        {
            _lastError = $"cannot connect to {_options.Broker}: {Innermost(e).Message}";
            if (ProtocolFallback.ShouldFallBackOnError((int)protocol, _options.Protocol, reachedBroker: true))
            {
                _fallBackTo311 = true;
                retryNow = true;
            }
        }
        Note(_lastError);
        SetState(MqttConnectionState.Disconnected, false, _lastError);
    }

    /// <summary>Without a session every remembered subscription is made again; with one, only those never made.</summary>
    private async Task RenewSubscriptionsAsync(Connection connection, bool sessionPresent, CancellationToken stop)
    {
        Subscription[] all;
        lock (_gate)
        {
            all = [.. _subscriptions];
            if (sessionPresent)
                foreach (var s in all.Where(s => s.Generation != 0)) s.Generation = connection.Generation;
        }
        foreach (var entry in all.Where(s => !sessionPresent || s.Generation == 0))
        {
            try
            {
                await SubscribeOnAsync(connection, entry, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Note($"renewing subscription '{entry.Filter}' failed: {e.Message}");
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private MQTTnet.MqttClientOptions BuildOptions(MqttProtocol protocol)
    {
        var host = _options.Broker.Host;
        EndPoint endPoint = IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, _options.Broker.Port) : new DnsEndPoint(host, _options.Broker.Port);
        var builder = Factory.CreateClientOptionsBuilder()
            .WithClientId(_options.ClientId)
            .WithProtocolVersion(protocol == MqttProtocol.V5 ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_options.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(Math.Max(10, _options.KeepAliveSeconds)))
            .WithCleanSession(_options.CleanSession)
            // One socket write per packet instead of header and payload apart: half the system calls for small messages.
            .WithoutPacketFragmentation()
            .WithEndPoint(endPoint);
        if (_tls is not null) builder.WithTlsOptions(_tls.ToMqttNet(host));
        // MQTT 5 ends a session at disconnect unless an expiry interval says otherwise.
        if (protocol == MqttProtocol.V5 && !_options.CleanSession) builder.WithSessionExpiryInterval(_options.SessionExpirySeconds);
        if (_options.Username is not null) builder.WithCredentials(_options.Username, _options.Password);
        if (_options.Will is { } will)
            builder.WithWillTopic(will.Topic)
                .WithWillPayload(will.Payload.ToArray())
                .WithWillQualityOfServiceLevel(will.Qos == MqttQos.AtLeastOnce ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce)
                .WithWillRetain(will.Retain);
        var options = builder.Build();
        if (options.ChannelOptions is MqttClientTcpOptions tcp) tcp.NoDelay = true; // telemetry is many small messages
        return options;
    }

    private Task OnMessage(MqttApplicationMessageReceivedEventArgs e)
    {
        var m = e.ApplicationMessage;
        MqttPublishProperties? properties = null;
        if (m.ContentType is not null || m.ResponseTopic is not null || m.CorrelationData is not null || m.MessageExpiryInterval != 0 ||
            m.UserProperties is { Count: > 0 })
            properties = new MqttPublishProperties
            {
                ContentType = m.ContentType,
                ResponseTopic = m.ResponseTopic,
                CorrelationData = m.CorrelationData,
                MessageExpirySeconds = m.MessageExpiryInterval,
                UserProperties = m.UserProperties is { Count: > 0 } user ? [.. user.Select(p => KeyValuePair.Create(p.Name, System.Text.Encoding.UTF8.GetString(p.ValueBuffer.Span)))] : [],
            };
        var received = new MqttMessage(m.Topic, m.Payload.IsEmpty ? [] : System.Buffers.BuffersExtensions.ToArray(m.Payload),
            m.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce ? MqttQos.AtMostOnce : MqttQos.AtLeastOnce, m.Retain, properties);
        if (!_incoming.Writer.TryWrite(received)) Interlocked.Increment(ref _droppedIncoming);
        return Task.CompletedTask;
    }

    private static string DescribeLoss(MqttClientDisconnectedEventArgs e)
    {
        if (e.Exception is { } error) return Innermost(error).Message;
        return e.Reason == MqttClientDisconnectReason.NormalDisconnection
            ? "the broker closed the connection"
            : $"the broker disconnected: {ReasonCodes.Describe((int)e.Reason)}";
    }

    private async Task CloseAsync(Connection connection)
    {
        try
        {
            if (connection.Client.IsConnected)
            {
                // A DISCONNECT tells the broker not to publish the will: a clean shutdown is announced by the caller's own status.
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await connection.Client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection },
                    timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            Note("DISCONNECT was not sent: " + e.Message);
        }
        finally
        {
            connection.Client.Dispose();
        }
    }

    private static T? Find<T>(Exception e) where T : Exception
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is T found) return found;
        return null;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
