namespace EdgeAgent.Telemetry.Mqtt.Native;

/// <summary>Process-wide libmosquitto initialisation, done once before the first client is created.</summary>
internal static class MosquittoLibrary
{
    private static readonly Lazy<Version> Initialized = new(Initialize, LazyThreadSafetyMode.ExecutionAndPublication);

    public static Version Version => Initialized.Value;

    public static void EnsureInitialized() => _ = Initialized.Value;

    private static Version Initialize()
    {
        try
        {
            LibMosquitto.LibVersion(out int major, out int minor, out int revision);
            var version = new Version(major, minor, revision);
            // MQTT 5 and the v5 callbacks arrived in 1.6.
            if (version < new Version(1, 6))
                throw new MqttException($"libmosquitto {version} is too old; MQTT 5 needs 1.6 or newer (install libmosquitto1 from a current distribution)");
            LibMosquitto.LibInit();
            return version;
        }
        catch (DllNotFoundException)
        {
            throw new MqttException("libmosquitto.so.1 was not found; install the libmosquitto1 package");
        }
    }
}
