using System.Runtime.InteropServices;

namespace EdgeAgent.Telemetry.Mqtt.Native;

/// <summary>
/// Raw entry points of libmosquitto 2.x (Debian/Ubuntu package libmosquitto1). Only
/// <see cref="MosquittoClient"/> touches these; everything here is a thin, unsafe mirror
/// of mosquitto.h.
/// </summary>
internal static unsafe partial class LibMosquitto
{
    private const string Lib = "libmosquitto.so.1";

    internal const int OptProtocolVersion = 1;
    internal const int OptTcpNoDelay = 11;
    internal const int PropSessionExpiryInterval = 17;
    internal const int ProtocolV311 = 4;
    internal const int ProtocolV5 = 5;

    [LibraryImport(Lib, EntryPoint = "mosquitto_lib_init")]
    internal static partial int LibInit();

    [LibraryImport(Lib, EntryPoint = "mosquitto_lib_version")]
    internal static partial int LibVersion(out int major, out int minor, out int revision);

    [LibraryImport(Lib, EntryPoint = "mosquitto_new", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint New(string? id, [MarshalAs(UnmanagedType.U1)] bool cleanSession, nint userData);

    [LibraryImport(Lib, EntryPoint = "mosquitto_destroy")]
    internal static partial void Destroy(nint mosq);

    [LibraryImport(Lib, EntryPoint = "mosquitto_int_option")]
    internal static partial int IntOption(nint mosq, int option, int value);

    [LibraryImport(Lib, EntryPoint = "mosquitto_threaded_set")]
    internal static partial int ThreadedSet(nint mosq, [MarshalAs(UnmanagedType.U1)] bool threaded);

    [LibraryImport(Lib, EntryPoint = "mosquitto_max_inflight_messages_set")]
    internal static partial int MaxInflightMessagesSet(nint mosq, uint max);

    [LibraryImport(Lib, EntryPoint = "mosquitto_username_pw_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int UsernamePwSet(nint mosq, string? username, string? password);

    [LibraryImport(Lib, EntryPoint = "mosquitto_will_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int WillSet(nint mosq, string topic, int payloadLen, byte* payload, int qos,
        [MarshalAs(UnmanagedType.U1)] bool retain);

    [LibraryImport(Lib, EntryPoint = "mosquitto_tls_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int TlsSet(nint mosq, string? caFile, string? caPath, string? certFile, string? keyFile,
        nint passwordCallback);

    [LibraryImport(Lib, EntryPoint = "mosquitto_tls_insecure_set")]
    internal static partial int TlsInsecureSet(nint mosq, [MarshalAs(UnmanagedType.U1)] bool insecure);

    [LibraryImport(Lib, EntryPoint = "mosquitto_connect_bind_v5", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ConnectBindV5(nint mosq, string host, int port, int keepalive, string? bindAddress,
        nint properties);

    [LibraryImport(Lib, EntryPoint = "mosquitto_disconnect")]
    internal static partial int Disconnect(nint mosq);

    [LibraryImport(Lib, EntryPoint = "mosquitto_loop")]
    internal static partial int Loop(nint mosq, int timeoutMs, int maxPackets);

    [LibraryImport(Lib, EntryPoint = "mosquitto_publish", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Publish(nint mosq, out int mid, string topic, int payloadLen, byte* payload, int qos,
        [MarshalAs(UnmanagedType.U1)] bool retain);

    [LibraryImport(Lib, EntryPoint = "mosquitto_subscribe", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Subscribe(nint mosq, out int mid, string filter, int qos);

    [LibraryImport(Lib, EntryPoint = "mosquitto_unsubscribe", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Unsubscribe(nint mosq, out int mid, string filter);

    [LibraryImport(Lib, EntryPoint = "mosquitto_property_add_int32")]
    internal static partial int PropertyAddInt32(ref nint properties, int identifier, uint value);

    [LibraryImport(Lib, EntryPoint = "mosquitto_property_free_all")]
    internal static partial void PropertyFreeAll(ref nint properties);

    [LibraryImport(Lib, EntryPoint = "mosquitto_strerror")]
    internal static partial nint StrError(int code);

    [LibraryImport(Lib, EntryPoint = "mosquitto_connack_string")]
    internal static partial nint ConnackString(int code);

    [LibraryImport(Lib, EntryPoint = "mosquitto_reason_string")]
    internal static partial nint ReasonString(int code);

    [LibraryImport(Lib, EntryPoint = "mosquitto_sub_topic_check", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SubTopicCheck(string filter);

    [LibraryImport(Lib, EntryPoint = "mosquitto_pub_topic_check", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int PubTopicCheck(string topic);

    // Callback setters take C function pointers; the client passes [UnmanagedCallersOnly] methods.
    [LibraryImport(Lib, EntryPoint = "mosquitto_connect_with_flags_callback_set")]
    internal static partial void ConnectWithFlagsCallbackSet(nint mosq,
        delegate* unmanaged<nint, nint, int, int, void> callback);

    [LibraryImport(Lib, EntryPoint = "mosquitto_disconnect_callback_set")]
    internal static partial void DisconnectCallbackSet(nint mosq, delegate* unmanaged<nint, nint, int, void> callback);

    [LibraryImport(Lib, EntryPoint = "mosquitto_publish_v5_callback_set")]
    internal static partial void PublishV5CallbackSet(nint mosq,
        delegate* unmanaged<nint, nint, int, int, nint, void> callback);

    [LibraryImport(Lib, EntryPoint = "mosquitto_message_callback_set")]
    internal static partial void MessageCallbackSet(nint mosq, delegate* unmanaged<nint, nint, MosquittoMessage*, void> callback);

    [LibraryImport(Lib, EntryPoint = "mosquitto_subscribe_callback_set")]
    internal static partial void SubscribeCallbackSet(nint mosq,
        delegate* unmanaged<nint, nint, int, int, int*, void> callback);

    [LibraryImport(Lib, EntryPoint = "mosquitto_log_callback_set")]
    internal static partial void LogCallbackSet(nint mosq, delegate* unmanaged<nint, nint, int, nint, void> callback);

    internal static string ErrorText(int code) => Marshal.PtrToStringUTF8(StrError(code)) ?? $"error {code}";

    internal static string ConnackText(int code, bool v5) =>
        Marshal.PtrToStringUTF8(v5 ? ReasonString(code) : ConnackString(code)) ?? $"code {code}";
}

/// <summary>Mirror of <c>struct mosquitto_message</c> (64-bit layout).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MosquittoMessage
{
    public int Mid;
    public nint Topic;
    public nint Payload;
    public int PayloadLen;
    public int Qos;
    public byte Retain;
}

/// <summary>Error codes of <c>enum mosq_err_t</c> that the client reacts to.</summary>
internal static class MosquittoError
{
    internal const int Success = 0;
    internal const int NoConnection = 4;
    internal const int ConnectionRefused = 5;
    internal const int ConnectionLost = 7;
    internal const int Tls = 8;
    internal const int Errno = 14;
}
