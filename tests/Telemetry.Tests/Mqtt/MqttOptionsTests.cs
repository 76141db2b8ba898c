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
            MaxInflight = 0,
        };
        var errors = bad.Validate();
        Assert.Contains(errors, e => e.Contains("client id"));
        Assert.Contains(errors, e => e.Contains("keepalive"));
        Assert.Contains(errors, e => e.Contains("together"));
        Assert.Contains(errors, e => e.Contains("mqtt://, not mqtts://"));
        Assert.Contains(errors, e => e.Contains("does not exist"));
        Assert.Contains(errors, e => e.Contains("username"));
        Assert.Contains(errors, e => e.Contains("reconnect"));
        Assert.Contains(errors, e => e.Contains("in-flight"));
        Assert.Throws<ArgumentException>(() => new MosquittoClient(bad));
    }

    [Fact]
    public void TlsWithoutCaIsRefused()
    {
        var errors = (Plain with { Broker = BrokerAddress.Parse("mqtts://localhost") }).Validate();
        Assert.Contains(errors, e => e.Contains("CA file"));
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

    [Fact]
    public async Task MidTrackerHandlesAcknowledgementsThatArriveBeforeRegistration()
    {
        var tracker = new MidTracker();
        tracker.Complete(5, 0);
        Assert.Equal(0, await tracker.Register(5));
        var later = tracker.Register(6);
        Assert.False(later.IsCompleted);
        tracker.Complete(6, 0x10);
        Assert.Equal(0x10, await later);
        var failed = tracker.Register(7);
        tracker.FailAll(new ObjectDisposedException("x"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => failed);
        Assert.Equal(0, tracker.PendingCount);
    }

    [Theory]
    [InlineData(5, MqttProtocol.Auto, 1, true)]
    [InlineData(5, MqttProtocol.Auto, 0x84, true)]
    [InlineData(5, MqttProtocol.V5, 0x84, false)]
    [InlineData(4, MqttProtocol.Auto, 1, false)]
    [InlineData(5, MqttProtocol.Auto, 0x87, false)]
    public void FallbackTo311OnlyWhenAutoAndTheBrokerRejectsTheVersion(int inUse, MqttProtocol configured, int code, bool expected)
    {
        Assert.Equal(expected, ProtocolFallback.ShouldFallBackOnRefusal(inUse, configured, code));
    }

    [Fact]
    public void CredentialRefusalsAreRecognisedInBothProtocolVersions()
    {
        Assert.True(ProtocolFallback.IsCredentialRefusal(0x87, v5: true));
        Assert.True(ProtocolFallback.IsCredentialRefusal(5, v5: false));
        Assert.False(ProtocolFallback.IsCredentialRefusal(0x88, v5: true)); // server unavailable: retry
        Assert.False(ProtocolFallback.IsCredentialRefusal(3, v5: false));
    }
}
