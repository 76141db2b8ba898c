namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>Everything the client needs to reach and authenticate to one broker.</summary>
public sealed record MqttClientOptions
{
    public required BrokerAddress Broker { get; init; }

    /// <summary>MQTT client id; the device id, so the broker's session (and ACLs) follow the device.</summary>
    public required string ClientId { get; init; }

    public string? Username { get; init; }
    public string? Password { get; init; }

    /// <summary>CA certificates (PEM) that verify the broker (mqtts). Given, they are the only roots trusted: the
    /// broker is pinned to that CA. Absent, the system trust store verifies it (a cloud broker with a public CA).
    /// There is no trust-everything mode.</summary>
    public string? CaFile { get; init; }

    /// <summary>Client certificate and key for mutual TLS (AWS IoT style); both or neither.</summary>
    public string? CertFile { get; init; }
    public string? KeyFile { get; init; }

    /// <summary>Skip the broker host name check (the certificate chain is still verified). For lab brokers addressed by IP.</summary>
    public bool TlsSkipHostnameCheck { get; init; }

    public int KeepAliveSeconds { get; init; } = 30;

    /// <summary>False asks the broker to keep the session (subscriptions, queued QoS 1) across disconnects.</summary>
    public bool CleanSession { get; init; } = true;

    /// <summary>How long the broker keeps a persistent session (MQTT 5 only; 3.1.1 brokers keep it until cleaned).</summary>
    public uint SessionExpirySeconds { get; init; } = 24 * 3600;

    public MqttProtocol Protocol { get; init; } = MqttProtocol.Auto;
    public MqttWill? Will { get; init; }

    public TimeSpan ReconnectDelayMin { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan ReconnectDelayMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Received messages buffered for the reader; beyond this they are dropped and counted.</summary>
    public int IncomingCapacity { get; init; } = 1024;

    /// <summary>Optional sink for connection notes (failures, reconnects, fallbacks), one line each.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Reads the TLS files as the client will; the reason they cannot be used, or null. For start-up
    /// checks that want a one-line configuration error instead of a failing client constructor.</summary>
    public string? TlsFileProblem()
    {
        if (!Broker.UseTls) return null;
        try
        {
            TlsSettings.Load(this);
            return null;
        }
        catch (MqttException e)
        {
            return e.Message;
        }
    }

    /// <summary>Returns every problem at once so a bad config file is fixed in one pass.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ClientId)) errors.Add("client id is empty");
        else if (ClientId.Length > 128) errors.Add("client id is longer than 128 characters");
        if (KeepAliveSeconds is < 5 or > 65535) errors.Add($"keepalive {KeepAliveSeconds}s is outside 5-65535");
        if ((CertFile is null) != (KeyFile is null)) errors.Add("client certificate and key must be given together");
        if (!Broker.UseTls && (CaFile ?? CertFile ?? KeyFile) is not null) errors.Add("TLS files are set but the broker URI is mqtt://, not mqtts://");
        foreach (var (name, path) in new[] { ("CA file", CaFile), ("client certificate", CertFile), ("client key", KeyFile) })
            if (path is not null && !File.Exists(path)) errors.Add($"{name} '{path}' does not exist");
        if (Password is not null && Username is null) errors.Add("a password needs a username");
        if (ReconnectDelayMin <= TimeSpan.Zero || ReconnectDelayMax < ReconnectDelayMin)
            errors.Add("reconnect delays must satisfy 0 < min <= max");
        if (IncomingCapacity < 1) errors.Add("incoming capacity must be at least 1");
        return errors;
    }
}
