namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>Where the broker is: parsed from <c>mqtt://host[:port]</c> or <c>mqtts://host[:port]</c>.</summary>
public sealed record BrokerAddress(string Host, int Port, bool UseTls)
{
    public const int DefaultPort = 1883;
    public const int DefaultTlsPort = 8883;

    public override string ToString() => $"{(UseTls ? "mqtts" : "mqtt")}://{(Host.Contains(':') ? $"[{Host}]" : Host)}:{Port}";

    public static BrokerAddress Parse(string uri) =>
        TryParse(uri, out var address, out var error) ? address : throw new FormatException(error);

    /// <summary>
    /// Accepts only what the device can actually use: a scheme of mqtt or mqtts, a host, an
    /// optional port, nothing else. Credentials belong in configuration, not in the URI, so
    /// that they never end up in logs that print the broker address.
    /// </summary>
    public static bool TryParse(string? uri, out BrokerAddress address, out string error)
    {
        address = null!;
        if (string.IsNullOrWhiteSpace(uri))
        {
            error = "broker URI is empty; expected mqtt://host:1883 or mqtts://host:8883";
            return false;
        }
        var text = uri.Trim();
        if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed) || string.IsNullOrEmpty(parsed.Host))
        {
            error = $"broker URI '{text}' is not a valid URI; expected mqtt://host:1883 or mqtts://host:8883";
            return false;
        }
        bool tls;
        switch (parsed.Scheme)
        {
            case "mqtt": tls = false; break;
            case "mqtts": tls = true; break;
            default:
                error = $"broker URI '{text}' has scheme '{parsed.Scheme}'; use mqtt:// or mqtts://";
                return false;
        }
        if (!string.IsNullOrEmpty(parsed.UserInfo))
        {
            error = "broker URI must not carry credentials; set username/password in the MQTT options";
            return false;
        }
        if (parsed.AbsolutePath is not ("/" or "") || !string.IsNullOrEmpty(parsed.Query) || !string.IsNullOrEmpty(parsed.Fragment))
        {
            error = $"broker URI '{text}' has a path, query or fragment; only scheme, host and port are allowed";
            return false;
        }
        int port = parsed.IsDefaultPort || parsed.Port < 0 ? (tls ? DefaultTlsPort : DefaultPort) : parsed.Port;
        if (port is < 1 or > 65535)
        {
            error = $"broker URI '{text}' has port {port}; ports are 1-65535";
            return false;
        }
        var host = parsed.HostNameType == UriHostNameType.IPv6 ? parsed.Host.Trim('[', ']') : parsed.Host;
        address = new BrokerAddress(host, port, tls);
        error = "";
        return true;
    }
}
