using EdgeAgent.Telemetry.Mqtt;

namespace EdgeAgent.Telemetry.Tests.Mqtt;

public sealed class MqttOptionsTests
{
    private static readonly MqttClientOptions Plain = new() { Broker = BrokerAddress.Parse("mqtt://localhost"), ClientId = "dev-1" };

    [Fact]
    public void DefaultsAreValid() => Assert.Empty(Plain.Validate());

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var bad = Plain with
        {
            ClientId = " ",
            KeepAliveSeconds = 1,
            CertFile = "/nonexistent/c.pem",
            Password = "x",
            ReconnectDelayMin = TimeSpan.FromSeconds(5),
            ReconnectDelayMax = TimeSpan.FromSeconds(1),
        };
        var errors = bad.Validate();
        Assert.Contains(errors, e => e.Contains("client id"));
        Assert.Contains(errors, e => e.Contains("keepalive"));
        Assert.Contains(errors, e => e.Contains("together"));
        Assert.Contains(errors, e => e.Contains("mqtt://, not mqtts://"));
        Assert.Contains(errors, e => e.Contains("does not exist"));
        Assert.Contains(errors, e => e.Contains("username"));
        Assert.Contains(errors, e => e.Contains("reconnect"));
        Assert.Throws<ArgumentException>(() => new ReconnectingMqttClient(bad));
    }

    [Fact]
    public void TlsWithoutCaFileTrustsTheSystemStoreAndTlsFilesNeedMqtts()
    {
        Assert.Empty((Plain with { Broker = BrokerAddress.Parse("mqtts://localhost") }).Validate());
        var errors = (Plain with { CaFile = "/etc/hostname" }).Validate();
        Assert.Contains(errors, e => e.Contains("mqtt://, not mqtts://"));
    }

    [Fact]
    public void FallbackOnAnErrorNeedsTheBrokerReachedAndAutoProtocol()
    {
        Assert.True(ProtocolFallback.ShouldFallBackOnError(5, MqttProtocol.Auto, reachedBroker: true));
        Assert.False(ProtocolFallback.ShouldFallBackOnError(5, MqttProtocol.Auto, reachedBroker: false));
        Assert.False(ProtocolFallback.ShouldFallBackOnError(5, MqttProtocol.V5, reachedBroker: true));
        Assert.False(ProtocolFallback.ShouldFallBackOnError(4, MqttProtocol.Auto, reachedBroker: true));
    }

    [Fact]
    public void BackoffGrowsWithJitterAndStaysWithinBounds()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2), new Random(1));
        Assert.Equal(TimeSpan.Zero, backoff.Next(0));
        for (int failures = 1; failures < 40; failures++)
        {
            var delay = backoff.Next(failures);
            Assert.InRange(delay.TotalMilliseconds, 100, 2000);
            double step = Math.Min(100 * Math.Pow(2, failures - 1), 2000);
            Assert.InRange(delay.TotalMilliseconds, Math.Max(100, step / 2) - 0.001, step + 0.001);
        }
    }

    [Theory]
    [InlineData(5, MqttProtocol.Auto, 0x84, true)]
    [InlineData(5, MqttProtocol.Auto, 1, true)]
    [InlineData(5, MqttProtocol.V5, 0x84, false)]
    [InlineData(4, MqttProtocol.Auto, 0x84, false)]
    [InlineData(5, MqttProtocol.Auto, 0x87, false)]
    public void FallbackTo311OnlyWhenAutoAndTheBrokerRejectsTheVersion(int inUse, MqttProtocol configured, int code, bool expected)
    {
        Assert.Equal(expected, ProtocolFallback.ShouldFallBackOnRefusal(inUse, configured, code));
    }

    [Fact]
    public void CredentialRefusalsAreRecognisedInBothProtocolVersions()
    {
        // 3.1.1 return codes arrive as their MQTT 5 twins: 4 bad credentials = 0x86, 5 not authorized = 0x87.
        Assert.True(ProtocolFallback.IsCredentialRefusal(0x86));
        Assert.True(ProtocolFallback.IsCredentialRefusal(0x87));
        Assert.False(ProtocolFallback.IsCredentialRefusal(0x88)); // server unavailable: retry
        Assert.False(ProtocolFallback.IsCredentialRefusal(0x89)); // server busy: retry
        Assert.Equal("bad user name or password (0x86)", ReasonCodes.Describe(0x86));
    }
}
