using System.Security.Cryptography;
using System.Threading.Channels;
using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Wire;
using Google.Protobuf;

namespace EdgeAgent.Agent.Fleet;

/// <summary>
/// The operator's connection to the broker: one MQTT client with its own random client id (so
/// two operators, or an operator and a device, never kick each other off), commands published
/// at QoS 1, and a reader of everything the subscriptions deliver.
/// </summary>
public sealed class FleetLink : IAsyncDisposable
{
    private readonly ReconnectingMqttClient _client;

    private FleetLink(ReconnectingMqttClient client, FleetConnectionOptions options)
    {
        _client = client;
        Options = options;
    }

    public FleetConnectionOptions Options { get; }
    public BrokerAddress Broker => _client.Broker;
    public ChannelReader<MqttMessage> Messages => _client.Messages;
    public bool IsConnected => _client.State == MqttConnectionState.Connected;

    public TopicTree Topics(string deviceId)
    {
        if (TopicTree.ValidateDeviceId(deviceId) is { } problem) throw new FleetException(problem);
        return TopicTree.Create(deviceId, Options.Prefix);
    }

    public static async Task<FleetLink> ConnectAsync(FleetConnectionOptions options, CancellationToken cancellationToken)
    {
        if (!BrokerAddress.TryParse(options.Broker, out var address, out var error)) throw new FleetException(error);
        var mqtt = new MqttClientOptions
        {
            Broker = address,
            ClientId = "edgeagent-fleet-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant(),
            Username = options.Username,
            Password = options.Password,
            CaFile = options.CaFile,
            CertFile = options.CertFile,
            KeyFile = options.KeyFile,
            // The operator's tool is short-lived; a broker-kept session would only queue stale replies.
            CleanSession = true,
            ReconnectDelayMin = TimeSpan.FromMilliseconds(200),
            ReconnectDelayMax = TimeSpan.FromSeconds(2),
            IncomingCapacity = 8192,
            Log = options.Log,
        };
        var problems = mqtt.Validate();
        if (problems.Count > 0) throw new FleetException($"broker options: {string.Join("; ", problems)}");
        if (mqtt.TlsFileProblem() is { } tls) throw new FleetException($"broker options: {tls}");

        var client = new ReconnectingMqttClient(mqtt);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        try
        {
            await client.ConnectAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (MqttConnectRefusedException e)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw new FleetException($"broker {address} refused the connection: {e.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            string reason = client.LastError ?? "no answer";
            await client.DisposeAsync().ConfigureAwait(false);
            throw new FleetException($"broker {address} is unreachable after {options.ConnectTimeout.TotalSeconds:0.#} s ({reason}); check --broker and that the broker runs");
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new FleetLink(client, options);
    }

    public Task SubscribeAsync(string filter, CancellationToken cancellationToken) =>
        _client.SubscribeAsync(filter, MqttQos.AtLeastOnce, cancellationToken);

    /// <summary>
    /// Publishes a command at QoS 1 and returns once the broker acknowledged it. While the
    /// connection is down (broker restart) it waits for the client to reconnect and tries again,
    /// bounded by the caller's token.
    /// </summary>
    public Task SendAsync(TopicTree topics, Command command, CancellationToken cancellationToken) =>
        PublishAsync(topics.Commands, command.ToByteArray(), cancellationToken);

    public async Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await _client.PublishAsync(topic, payload, MqttQos.AtLeastOnce, retain: false, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (MqttNotConnectedException)
            {
                await _client.WaitUntilConnectedAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Give queued acknowledgements a moment, but never hold the operator's terminal hostage.
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _client.DisconnectAsync(grace.Token).ConfigureAwait(false);
    }
}
