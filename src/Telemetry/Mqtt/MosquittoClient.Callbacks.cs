using System.Runtime.InteropServices;
using EdgeAgent.Telemetry.Mqtt.Native;

namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>
/// Entry points libmosquitto calls on the network thread. Each resolves the client from the
/// user-data handle and catches everything: an exception unwinding into C is a process crash.
/// </summary>
public sealed partial class MosquittoClient
{
    private static MosquittoClient? FromUserData(nint userData) =>
        userData == 0 ? null : GCHandle.FromIntPtr(userData).Target as MosquittoClient;

    [UnmanagedCallersOnly]
    private static void OnConnectNative(nint mosq, nint userData, int rc, int flags)
    {
        var client = FromUserData(userData);
        try
        {
            client?.HandleConnect(rc, flags);
        }
        catch (Exception e)
        {
            client?.Note("connect callback failed: " + e.Message);
        }
    }

    [UnmanagedCallersOnly]
    private static void OnDisconnectNative(nint mosq, nint userData, int rc)
    {
        var client = FromUserData(userData);
        try
        {
            if (client is null || client._stopping) return;
            if (rc != 0) client._lastError = $"connection to {client._options.Broker} lost: {LibMosquitto.ErrorText(rc)}";
            client.SetState(MqttConnectionState.Disconnected, false, client._lastError);
        }
        catch (Exception e)
        {
            client?.Note("disconnect callback failed: " + e.Message);
        }
    }

    [UnmanagedCallersOnly]
    private static void OnPublishNative(nint mosq, nint userData, int mid, int reasonCode, nint properties)
    {
        var client = FromUserData(userData);
        try
        {
            client?._publishAcks.Complete(mid, reasonCode);
        }
        catch (Exception e)
        {
            client?.Note("publish callback failed: " + e.Message);
        }
    }

    [UnmanagedCallersOnly]
    private static unsafe void OnSubscribeNative(nint mosq, nint userData, int mid, int qosCount, int* grantedQos)
    {
        var client = FromUserData(userData);
        try
        {
            client?._subscribeAcks.Complete(mid, qosCount > 0 && grantedQos != null ? grantedQos[0] : 0x80);
        }
        catch (Exception e)
        {
            client?.Note("subscribe callback failed: " + e.Message);
        }
    }

    [UnmanagedCallersOnly]
    private static unsafe void OnMessageNative(nint mosq, nint userData, MosquittoMessage* message)
    {
        var client = FromUserData(userData);
        try
        {
            if (client is null || message == null) return;
            var topic = Marshal.PtrToStringUTF8(message->Topic) ?? "";
            var payload = message->PayloadLen > 0 && message->Payload != 0
                ? new ReadOnlySpan<byte>((void*)message->Payload, message->PayloadLen).ToArray()
                : [];
            var received = new MqttMessage(topic, payload, message->Qos > 0 ? MqttQos.AtLeastOnce : MqttQos.AtMostOnce,
                message->Retain != 0);
            if (!client._incoming.Writer.TryWrite(received)) Interlocked.Increment(ref client._droppedIncoming);
        }
        catch (Exception e)
        {
            client?.Note("message callback failed: " + e.Message);
        }
    }

    [UnmanagedCallersOnly]
    private static void OnLogNative(nint mosq, nint userData, int level, nint text)
    {
        var client = FromUserData(userData);
        try
        {
            client?.Note("libmosquitto: " + Marshal.PtrToStringUTF8(text));
        }
        catch
        {
            // Logging is best effort.
        }
    }

    private void HandleConnect(int rc, int flags)
    {
        _connackSeen = true;
        bool v5 = CurrentProtocol() == LibMosquitto.ProtocolV5;
        if (rc != 0)
        {
            _lastError = $"broker {_options.Broker} refused the connection: {LibMosquitto.ConnackText(rc, v5)}";
            Note(_lastError);
            if (ProtocolFallback.ShouldFallBackOnRefusal(v5 ? 5 : 4, _options.Protocol, rc))
            {
                _fallBackTo311 = true;
                _retryNow = true;
                return;
            }
            if (ProtocolFallback.IsCredentialRefusal(rc, v5))
                _firstOutcome.TrySetException(new MqttConnectRefusedException(_lastError, rc));
            return;
        }
        _failures = 0;
        _lastError = null;
        bool sessionPresent = (flags & 1) != 0;
        if (!sessionPresent) RenewSubscriptions();
        SetState(MqttConnectionState.Connected, sessionPresent, null);
    }

    private void RenewSubscriptions()
    {
        (string Filter, MqttQos Qos)[] all;
        lock (_gate) all = [.. _subscriptions];
        foreach (var (filter, qos) in all)
        {
            int rc = LibMosquitto.Subscribe(_mosq, out int mid, filter, (int)qos);
            if (rc == MosquittoError.Success) _ = _subscribeAcks.Register(mid);
            else Note($"renewing subscription '{filter}' failed: {LibMosquitto.ErrorText(rc)}");
        }
    }
}
