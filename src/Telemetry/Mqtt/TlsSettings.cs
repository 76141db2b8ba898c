using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace EdgeAgent.Telemetry.Mqtt;

/// <summary>
/// TLS for one broker: which roots to trust (the CA file alone when given, so the broker is pinned to
/// that CA; the system store otherwise), the client certificate for mutual TLS, and the host name check.
/// Files are read once, when the client is made, so a bad file is a one-line error at start-up, not a
/// reconnect loop. The reason a broker certificate was refused is kept for <see cref="LastRefusal"/>.
/// </summary>
internal sealed class TlsSettings
{
    private readonly X509Certificate2Collection? _roots;
    private readonly X509Certificate2? _clientCertificate;
    private readonly bool _checkHostName;
    private readonly string _rootsName;

    private TlsSettings(X509Certificate2Collection? roots, string rootsName, X509Certificate2? clientCertificate, bool checkHostName)
    {
        _roots = roots;
        _rootsName = rootsName;
        _clientCertificate = clientCertificate;
        _checkHostName = checkHostName;
    }

    /// <summary>Why the last broker certificate was refused, in words; null when none was.</summary>
    public string? LastRefusal { get; private set; }

    /// <summary>Throws <see cref="MqttException"/> with the file and the reason when a file cannot be used.</summary>
    public static TlsSettings Load(MqttClientOptions options)
    {
        X509Certificate2Collection? roots = null;
        if (options.CaFile is { } caFile)
        {
            roots = new X509Certificate2Collection();
            try
            {
                roots.ImportFromPemFile(caFile);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new MqttException($"CA file '{caFile}' cannot be read as PEM certificates: {e.Message}");
            }
            if (roots.Count == 0) throw new MqttException($"CA file '{caFile}' holds no PEM certificate");
        }
        X509Certificate2? client = null;
        if (options.CertFile is { } certFile && options.KeyFile is { } keyFile)
        {
            try
            {
                using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
                // A PEM key is ephemeral; TLS client authentication wants the key attached the way a PKCS#12 import attaches it.
                client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                throw new MqttException($"client certificate '{certFile}' with key '{keyFile}' cannot be used: {e.Message}");
            }
        }
        return new TlsSettings(roots, options.CaFile is null ? "the system trust store" : $"'{options.CaFile}'", client,
            !options.TlsSkipHostnameCheck);
    }

    public MqttClientTlsOptions ToMqttNet(string host)
    {
        var tls = new MqttClientTlsOptions
        {
            UseTls = true,
            TargetHost = host,
            SslProtocol = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
            CertificateValidationHandler = e => Validate(e.Certificate, e.SslPolicyErrors),
        };
        if (_clientCertificate is not null)
            tls.ClientCertificatesProvider = new FixedCertificates(_clientCertificate);
        return tls;
    }

    private bool Validate(X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null) return Refuse("the broker sent no certificate");
        if (_checkHostName && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            return Refuse($"the broker certificate '{presented.Subject}' does not name the host connected to");
        if (_roots is null)
        {
            // System roots: the platform's own chain verdict stands.
            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
                return Refuse($"the broker certificate '{presented.Subject}' is not trusted by {_rootsName}");
            return Accept();
        }
        using var certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain.Build(certificate)) return Accept();
        var status = chain.ChainStatus.Select(s => s.Status).Aggregate(X509ChainStatusFlags.NoError, (a, b) => a | b);
        if (status.HasFlag(X509ChainStatusFlags.NotTimeValid))
            return Refuse($"the broker certificate '{certificate.Subject}' is outside its validity period " +
                          $"({certificate.NotBefore:u} to {certificate.NotAfter:u})");
        if (status.HasFlag(X509ChainStatusFlags.UntrustedRoot) || status.HasFlag(X509ChainStatusFlags.PartialChain))
            return Refuse($"the broker certificate '{certificate.Subject}' is not signed by a CA in {_rootsName}");
        return Refuse($"the broker certificate '{certificate.Subject}' failed verification: {status}");
    }

    private bool Accept()
    {
        LastRefusal = null;
        return true;
    }

    private bool Refuse(string reason)
    {
        LastRefusal = reason;
        return false;
    }

    private sealed class FixedCertificates(X509Certificate2 certificate) : IMqttClientCertificatesProvider
    {
        public X509CertificateCollection GetCertificates() => [certificate];
    }
}
