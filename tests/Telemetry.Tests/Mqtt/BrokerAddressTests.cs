using EdgeAgent.Telemetry.Mqtt;

namespace EdgeAgent.Telemetry.Tests.Mqtt;

public sealed class BrokerAddressTests
{
    [Theory]
    [InlineData("mqtt://broker.local", "broker.local", 1883, false)]
    [InlineData("mqtts://broker.local", "broker.local", 8883, true)]
    [InlineData("mqtt://10.0.0.5:1884", "10.0.0.5", 1884, false)]
    [InlineData("  mqtts://Fleet.Example.com:443/  ", "fleet.example.com", 443, true)]
    [InlineData("mqtt://[::1]:1883", "::1", 1883, false)]
    public void ValidUrisParseToHostPortAndTls(string uri, string host, int port, bool tls)
    {
        var address = BrokerAddress.Parse(uri);
        Assert.Equal(new BrokerAddress(host, port, tls), address);
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("broker.local:1883", "expected mqtt://host")]
    [InlineData("tcp://broker.local:1883", "scheme 'tcp'")]
    [InlineData("http://broker.local", "scheme 'http'")]
    [InlineData("mqtt://user:pw@broker.local", "credentials")]
    [InlineData("mqtt://broker.local/devices", "path")]
    [InlineData("mqtt://broker.local?x=1", "path, query")]
    [InlineData("mqtt://broker.local:99999", "not a valid URI")]
    [InlineData("mqtt://", "not a valid URI")]
    [InlineData("mqtt://bro ker", "not a valid URI")]
    [InlineData("\u0000mqtt://x", "not a valid URI")]
    public void MalformedUrisAreRejectedWithAMessageNamingTheProblem(string? uri, string expected)
    {
        Assert.False(BrokerAddress.TryParse(uri, out _, out var error));
        Assert.Contains(expected, error);
        Assert.Throws<FormatException>(() => BrokerAddress.Parse(uri!));
    }

    [Fact]
    public void ToStringRoundTrips()
    {
        foreach (var uri in new[] { "mqtt://a.b:1", "mqtts://c:8883", "mqtt://[::1]:1883" })
            Assert.Equal(BrokerAddress.Parse(uri), BrokerAddress.Parse(BrokerAddress.Parse(uri).ToString()));
    }
}
