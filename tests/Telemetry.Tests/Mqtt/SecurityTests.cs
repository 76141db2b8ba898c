using System.Text;
using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Tests.Infrastructure;

namespace EdgeAgent.Telemetry.Tests.Mqtt;

/// <summary>TLS and credentials against a real mosquitto, with certificates made by openssl for each run.</summary>
public sealed class SecurityTests : IAsyncLifetime
{
    private TestCertificates _certs = null!;

    public async ValueTask InitializeAsync() => _certs = await TestCertificates.CreateAsync(Timeouts.Token(30));

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_certs.Directory, recursive: true);
        return ValueTask.CompletedTask;
    }

    private MqttClientOptions Tls(MosquittoBroker broker) => MqttTestClients.Options(broker) with
    {
        CaFile = _certs.CaFile, CertFile = _certs.ClientCertFile, KeyFile = _certs.ClientKeyFile,
    };

    [Fact]
    public async Task MutualTlsRoundTripWorksAndAClientWithoutCertificateIsTurnedAway()
    {
        var ct = Timeouts.Token(60);
        await using var broker = await MosquittoBroker.StartAsync(new BrokerSettings { Tls = _certs, RequireClientCertificate = true }, ct);
        var tls = Tls(broker);
        Assert.Equal("mqtts", broker.Address.ToString()[..5]);

        var topic = Timeouts.UniqueId("tls");
        await using var subscriber = await MqttTestClients.ConnectedAsync(tls, ct);
        await subscriber.SubscribeAsync(topic, MqttQos.AtLeastOnce, ct);
        await using var publisher = await MqttTestClients.ConnectedAsync(tls with { ClientId = Timeouts.UniqueId("tls") }, ct);
        await publisher.PublishAsync(topic, "secret"u8.ToArray(), MqttQos.AtLeastOnce, false, ct);
        Assert.Equal("secret", Encoding.UTF8.GetString((await subscriber.NextAsync(topic, ct)).Payload));

        // The broker closes the session of a client that showed no certificate; it keeps retrying and says why.
        await using var noCert = new ReconnectingMqttClient(tls with { ClientId = Timeouts.UniqueId("nocert"), CertFile = null, KeyFile = null });
        await Assert.ThrowsAnyAsync<Exception>(() => noCert.ConnectAsync(Timeouts.Token(3)));
        Assert.NotEqual(MqttConnectionState.Connected, noCert.State);
        Assert.NotNull(noCert.LastError);
    }

    [Fact]
    public async Task ABrokerSignedByAnotherCaIsRefusedWithOneLine()
    {
        var ct = Timeouts.Token(30);
        await using var broker = await MosquittoBroker.StartAsync(new BrokerSettings { Tls = _certs }, ct);
        await using var wrongCa = new ReconnectingMqttClient(Tls(broker) with { CaFile = _certs.ForeignCaFile });
        var refused = await Assert.ThrowsAsync<MqttConnectRefusedException>(() => wrongCa.ConnectAsync(ct));
        Assert.Contains("not signed by a CA in", refused.Message);
        Assert.Contains("foreign.crt", refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
    }

    [Fact]
    public async Task AnExpiredBrokerCertificateIsRefusedWithItsDates()
    {
        var ct = Timeouts.Token(30);
        await using var broker = await MosquittoBroker.StartAsync(
            new BrokerSettings { Tls = _certs with { ServerCertFile = _certs.ExpiredServerCertFile } }, ct);
        await using var client = new ReconnectingMqttClient(Tls(broker));
        var refused = await Assert.ThrowsAsync<MqttConnectRefusedException>(() => client.ConnectAsync(ct));
        Assert.Contains("outside its validity period", refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
    }

    [Fact]
    public async Task WithoutACaFileTheSystemStoreDecidesAndDoesNotKnowThePrivateCa()
    {
        var ct = Timeouts.Token(30);
        await using var broker = await MosquittoBroker.StartAsync(new BrokerSettings { Tls = _certs }, ct);
        await using var client = new ReconnectingMqttClient(Tls(broker) with { CaFile = null });
        var refused = await Assert.ThrowsAsync<MqttConnectRefusedException>(() => client.ConnectAsync(ct));
        Assert.Contains("system trust store", refused.Message);
    }

    [Fact]
    public async Task APlainClientGetsNothingFromTheTlsListener()
    {
        var ct = Timeouts.Token(30);
        await using var broker = await MosquittoBroker.StartAsync(new BrokerSettings { Tls = _certs }, ct);
        var plain = MqttTestClients.Options(broker) with { Broker = new BrokerAddress("127.0.0.1", broker.Port, UseTls: false) };
        await using var client = new ReconnectingMqttClient(plain);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ConnectAsync(Timeouts.Token(3)));
        Assert.NotEqual(MqttConnectionState.Connected, client.State);
        Assert.StartsWith("cannot connect to mqtt://127.0.0.1", client.LastError);
    }

    [Fact]
    public void UnreadableTlsFilesAreOneLineErrorsWhenTheClientIsMade()
    {
        var garbage = Path.Combine(_certs.Directory, "garbage.pem");
        File.WriteAllText(garbage, "not a certificate");
        var options = new MqttClientOptions { Broker = BrokerAddress.Parse("mqtts://localhost"), ClientId = "d", CaFile = garbage };
        var error = Assert.Throws<MqttException>(() => new ReconnectingMqttClient(options));
        Assert.Contains("garbage.pem", error.Message);
        Assert.Contains("no PEM certificate", error.Message);

        var badKey = options with { CaFile = _certs.CaFile, CertFile = _certs.ClientCertFile, KeyFile = garbage };
        error = Assert.Throws<MqttException>(() => new ReconnectingMqttClient(badKey));
        Assert.Contains("cannot be used", error.Message);
    }

    [Fact]
    public async Task UsernamePasswordIsCheckedAndARefusalIsReportedNotRetriedSilently()
    {
        var ct = Timeouts.Token(20);
        await using var broker = await MosquittoBroker.StartAsync(new BrokerSettings { Credentials = ("device-7", "s3cret") }, ct);

        await using var good = await MqttTestClients.ConnectedAsync(
            MqttTestClients.Options(broker) with { Username = "device-7", Password = "s3cret" }, ct);
        Assert.Equal(MqttConnectionState.Connected, good.State);

        foreach (var protocol in new[] { MqttProtocol.V5, MqttProtocol.V311 })
        {
            await using var bad = new ReconnectingMqttClient(MqttTestClients.Options(broker) with
            {
                Username = "device-7", Password = "wrong", Protocol = protocol,
            });
            var refused = await Assert.ThrowsAsync<MqttConnectRefusedException>(() => bad.ConnectAsync(ct));
            Assert.Contains("refused", refused.Message);
        }

        await using var anonymous = new ReconnectingMqttClient(MqttTestClients.Options(broker));
        await Assert.ThrowsAsync<MqttConnectRefusedException>(() => anonymous.ConnectAsync(ct));
    }
}
