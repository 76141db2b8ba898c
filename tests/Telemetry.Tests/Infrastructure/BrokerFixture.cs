namespace EdgeAgent.Telemetry.Tests.Infrastructure;

/// <summary>One plain broker shared by a test class; tests isolate themselves by unique topics and client ids.</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    private MosquittoBroker? _broker;

    public MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("broker not started");

    public async ValueTask InitializeAsync() => _broker = await MosquittoBroker.StartAsync(new BrokerSettings(), Timeouts.Token(15));

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null) await _broker.DisposeAsync();
    }
}
