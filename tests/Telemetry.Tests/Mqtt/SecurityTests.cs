using System.Text;
using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Tests.Infrastructure;

namespace EdgeAgent.Telemetry.Tests.Mqtt;

public sealed class SecurityTests
{
    [Fact]
    public async Task MutualTlsRoundTripWorksAndAClientWithoutCertificateIsTurnedAway()
    {
        var ct = Timeouts.Token(60);
        var certs = await TestCertificates.CreateAsync(ct);
        try
        {
            await using var broker = await MosquittoBroker.StartAsync(new BrokerSettings { Tls = certs, RequireClientCertificate = true }, ct);
            var tls = MqttTestClients.Options(broker) with { CaFile = certs.CaFile, CertFile = certs.ClientCertFile, KeyFile = certs.ClientKeyFile };
            Assert.Equal("mqtts", broker.Address.ToString()[..5]);

            var topic = Timeouts.UniqueId("tls");
            await using var subscriber = await MqttTestClients.ConnectedAsync(tls, ct);
            await subscriber.SubscribeAsync(topic, MqttQos.AtLeastOnce, ct);
            await using var publisher = await MqttTestClients.ConnectedAsync(tls with { ClientId = Timeouts.UniqueId("tls") }, ct);
            await publisher.PublishAsync(topic, "secret"u8.ToArray(), MqttQos.AtLeastOnce, false, ct);
            Assert.Equal("secret", Encoding.UTF8.GetString((await subscriber.NextAsync(topic, ct)).Payload));

            await using var noCert = new MosquittoClient(tls with { ClientId = Timeouts.UniqueId("nocert"), CertFile = null, KeyFile = null });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => noCert.ConnectAsync(Timeouts.Token(2)));
            Assert.NotNull(noCert.LastError);

            await using var wrongCa = new MosquittoClient(tls with { ClientId = Timeouts.UniqueId("wrongca"), CaFile = certs.ForeignCaFile });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wrongCa.ConnectAsync(Timeouts.Token(2)));
            Assert.NotNull(wrongCa.LastError);
        }
        finally
        {
            Directory.Delete(certs.Directory, recursive: true);
        }
    }

    [Fact]
    public async Task UsernamePasswordIsCheckedAndARefusalIsReportedNotRetriedSilently()
    {
        var ct = Timeouts.Token(20);
        await using var broker = await MosquittoBroker.StartAsync(new BrokerSettings { Credentials = ("device-7", "s3cret") }, ct);

        await using var good = await MqttTestClients.ConnectedAsync(
            MqttTestClients.Options(broker) with { Username = "device-7", Password = "s3cret" }, ct);
        Assert.Equal(MqttConnectionState.Connected, good.State);

        await using var bad = new MosquittoClient(MqttTestClients.Options(broker) with { Username = "device-7", Password = "wrong" });
        var refused = await Assert.ThrowsAsync<MqttConnectRefusedException>(() => bad.ConnectAsync(ct));
        Assert.Contains("refused", refused.Message);

        await using var anonymous = new MosquittoClient(MqttTestClients.Options(broker));
        await Assert.ThrowsAsync<MqttConnectRefusedException>(() => anonymous.ConnectAsync(ct));
    }
}
