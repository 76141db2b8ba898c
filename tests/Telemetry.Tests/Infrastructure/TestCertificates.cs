namespace EdgeAgent.Telemetry.Tests.Infrastructure;

/// <summary>A throwaway CA, a server certificate for localhost/127.0.0.1 (and an expired one), a client
/// certificate, and a CA that signed none of them, made with openssl.</summary>
public sealed record TestCertificates(string Directory, string CaFile, string ServerCertFile, string ServerKeyFile,
    string ClientCertFile, string ClientKeyFile, string ForeignCaFile, string ExpiredServerCertFile)
{
    public static async Task<TestCertificates> CreateAsync(CancellationToken cancellationToken = default)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("edgeagent-certs-").FullName;
        async Task Run(params string[] args) => await MosquittoBroker.RunToolAsync("openssl", args, cancellationToken, dir);

        await File.WriteAllTextAsync(Path.Combine(dir, "server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir, "client.ext"), "extendedKeyUsage=clientAuth\n", cancellationToken);
        await Run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=EdgeAgent Test CA",
            "-keyout", "ca.key", "-out", "ca.crt");
        await Run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Foreign CA",
            "-keyout", "foreign.key", "-out", "foreign.crt");
        foreach (var (name, cn) in new[] { ("server", "localhost"), ("client", "device-tls-1") })
        {
            await Run("req", "-newkey", "rsa:2048", "-nodes", "-subj", $"/CN={cn}", "-keyout", $"{name}.key", "-out", $"{name}.csr");
            await Run("x509", "-req", "-in", $"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", $"{name}.ext", "-out", $"{name}.crt");
        }
        // Same key and names as server.crt, but it ended a day before it began: expired from the start.
        await Run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "-1", "-extfile", "server.ext", "-out", "expired.crt");
        string P(string f) => Path.Combine(dir, f);
        return new TestCertificates(dir, P("ca.crt"), P("server.crt"), P("server.key"), P("client.crt"), P("client.key"), P("foreign.crt"),
            P("expired.crt"));
    }
}
