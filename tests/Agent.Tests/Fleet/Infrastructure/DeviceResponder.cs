using System.Security.Cryptography;
using EdgeAgent.Agent.Deployment;
using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Wire;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace EdgeAgent.Agent.Tests.Fleet.Infrastructure;

/// <summary>How the stand-in device behaves.</summary>
public sealed record DeviceScript
{
    public PayloadFormat Format { get; init; } = PayloadFormat.Protobuf;

    /// <summary>The fleet public key; deploys signed by anything else are rejected.</summary>
    public ECDsa? TrustedKey { get; init; }

    /// <summary>Where chunked transfers are assembled (survives a "restart" of the responder).</summary>
    public required string TransferDirectory { get; init; }

    /// <summary>After this many chunks the device goes deaf, as if the agent had crashed (-1: never).</summary>
    public int CrashAfterChunks { get; init; } = -1;

    /// <summary>On start, resume this deploy's transfer from disk and ask for what is missing.</summary>
    public Command? ResumeDeploy { get; init; }

    public CommandState FinalState { get; init; } = CommandState.Committed;
    public string FinalReason { get; init; } = "";

    /// <summary>Answer every command with bytes that decode as nothing.</summary>
    public bool Garbage { get; init; }

    /// <summary>Publish a retained status at start (online) or not at all.</summary>
    public bool PublishStatus { get; init; } = true;

    public Status.Types.State StatusState { get; init; } = Status.Types.State.Online;
}

/// <summary>
/// A device built from the real parts the agent uses (MQTT client, wire codec, command
/// validator, chunk assembler), speaking the contract from the device's side, so the fleet CLI
/// is tested against real messages on a real broker before the whole agent runs.
/// </summary>
public sealed class DeviceResponder : IAsyncDisposable
{
    private readonly ReconnectingMqttClient _client;
    private readonly TopicTree _topics;
    private readonly DeviceScript _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Command> _commands = [];
    private readonly TaskCompletionSource<string> _artifact = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _crashed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ChunkAssembler? _assembler;
    private string _deployId = "";
    private ulong _seq;
    private int _chunksSeen;
    private Task _loop = Task.CompletedTask;

    private DeviceResponder(ReconnectingMqttClient client, TopicTree topics, DeviceScript script)
    {
        _client = client;
        _topics = topics;
        _script = script;
        // The contract keeps sequence numbers across restarts; the fleet drops a repeated seq as a duplicate.
        _seqFile = Path.Combine(script.TransferDirectory, "reply.seq");
        _seq = File.Exists(_seqFile) ? ulong.Parse(File.ReadAllText(_seqFile)) : 0;
    }

    private readonly string _seqFile;

    /// <summary>Completes with the assembled artifact's path once its sha256 checked out.</summary>
    public Task<string> Artifact => _artifact.Task;
    public Task Crashed => _crashed.Task;

    public IReadOnlyList<Command> Commands
    {
        get { lock (_commands) return _commands.ToList(); }
    }

    public static async Task<DeviceResponder> StartAsync(BrokerAddress broker, string deviceId, DeviceScript script)
    {
        var client = new ReconnectingMqttClient(new MqttClientOptions { Broker = broker, ClientId = deviceId });
        var device = new DeviceResponder(client, TopicTree.Create(deviceId), script);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(timeout.Token);
        await client.SubscribeAsync(device._topics.Commands, MqttQos.AtLeastOnce, timeout.Token);
        if (script.PublishStatus)
        {
            var status = new Status
            {
                Header = device.NewHeader(0), State = script.StatusState, AgentVersion = "0.1.0-test",
                Engine = new EngineInfo { ModelId = "det", ModelVersion = "1", EngineId = "abc123", Precision = Precision.Fp32, Backend = "cpu" },
                DeploymentState = "idle", PayloadFormat = script.Format.Name(),
            };
            await client.PublishAsync(device._topics.Status, WireCodec.Encode(status, script.Format), MqttQos.AtLeastOnce, retain: true, timeout.Token);
        }
        if (script.ResumeDeploy is { } resume) await device.ResumeAsync(resume);
        device._loop = Task.Run(() => device.LoopAsync(device._stop.Token));
        return device;
    }

    private Header NewHeader(ulong seq) => new()
    {
        SchemaVersion = Contract.SchemaVersion, DeviceId = _topics.DeviceId, Seq = seq, Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
    };

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _client.Messages.ReadAllAsync(cancellationToken))
                await HandleAsync(message.Payload, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopped by DisposeAsync.
        }
    }

    private async Task HandleAsync(byte[] payload, CancellationToken cancellationToken)
    {
        if (_crashed.Task.IsCompleted) return;
        if (!WireCodec.TryDecode(payload, Command.Parser, out var command, out var error))
        {
            await ReplyAsync(new Reply { State = CommandState.Rejected, Reason = error }, cancellationToken);
            return;
        }
        lock (_commands) _commands.Add(command);
        if (_script.Garbage)
        {
            await _client.PublishAsync(_topics.Replies, new byte[] { 0xff, 0xff, 0x01, 0x7f, 0x00 }, MqttQos.AtLeastOnce, false, cancellationToken);
            return;
        }
        if (CommandValidator.Validate(command, DateTimeOffset.UtcNow) is { } problem)
        {
            await ReplyAsync(new Reply { CommandId = command.CommandId, State = CommandState.Rejected, Reason = problem }, cancellationToken);
            return;
        }
        switch (command.BodyCase)
        {
            case Command.BodyOneofCase.Deploy:
                await DeployAsync(command, cancellationToken);
                break;
            case Command.BodyOneofCase.Chunk:
                await ChunkAsync(command, cancellationToken);
                break;
            case Command.BodyOneofCase.GetStatus:
                await ReplyAsync(new Reply
                {
                    CommandId = command.CommandId, State = CommandState.Completed,
                    Status = new Status { State = Status.Types.State.Online, AgentVersion = "0.1.0-test", DeploymentState = "idle",
                        Engine = new EngineInfo { ModelId = "det", ModelVersion = "7", EngineId = "feedbeef", Precision = Precision.Int8, Backend = "cpu" } },
                }, cancellationToken);
                break;
            case Command.BodyOneofCase.Rollback:
                await ReplyAsync(new Reply { CommandId = command.CommandId, State = CommandState.Accepted }, cancellationToken);
                await ReplyAsync(new Reply { CommandId = command.CommandId, State = _script.FinalState, Reason = _script.FinalReason }, cancellationToken);
                break;
        }
    }

    private async Task DeployAsync(Command command, CancellationToken cancellationToken)
    {
        var deploy = command.Deploy;
        if (_script.TrustedKey is { } key && !key.VerifyHash(Convert.FromHexString(deploy.Sha256), deploy.Signature.Span))
        {
            await ReplyAsync(new Reply { CommandId = command.CommandId, State = CommandState.Rejected, Reason = "signature does not match the fleet key" }, cancellationToken);
            return;
        }
        _deployId = command.CommandId;
        _assembler = Open(command);
        await ReplyAsync(new Reply { CommandId = command.CommandId, State = CommandState.Accepted }, cancellationToken);
    }

    private ChunkAssembler Open(Command deploy)
    {
        var c = deploy.Deploy.Chunked;
        return new ChunkAssembler(_script.TransferDirectory, deploy.CommandId, (long)c.TotalBytes, (int)c.ChunkCount, (int)c.ChunkSize, deploy.Deploy.Sha256);
    }

    /// <summary>What a restarted agent does: reopen the transfer on disk and ask for what it lacks.</summary>
    private async Task ResumeAsync(Command deploy)
    {
        _deployId = deploy.CommandId;
        _assembler = Open(deploy);
        var request = new ChunkRequest { Received = (uint)_assembler.ReceivedCount, Total = (uint)_assembler.ChunkCount };
        request.Missing.AddRange(_assembler.Missing(1000).Select(i => (uint)i));
        await ReplyAsync(new Reply
        {
            CommandId = deploy.CommandId, State = CommandState.Downloading, ProgressPercent = (uint)(_assembler.Progress * 100), ChunkRequest = request,
        }, CancellationToken.None);
    }

    private async Task ChunkAsync(Command command, CancellationToken cancellationToken)
    {
        if (_assembler is null || command.Chunk.DeployCommandId != _deployId)
        {
            await ReplyAsync(new Reply { CommandId = command.CommandId, State = CommandState.Rejected, Reason = "chunk for unknown deploy" }, cancellationToken);
            return;
        }
        if (_script.CrashAfterChunks >= 0 && ++_chunksSeen > _script.CrashAfterChunks)
        {
            _crashed.TrySetResult();
            return;
        }
        var chunk = command.Chunk;
        var result = _assembler.Accept(chunk.Index, chunk.Data.Span, chunk.Crc32C);
        await ReplyAsync(new Reply
        {
            CommandId = command.CommandId, State = result is ChunkResult.Accepted or ChunkResult.Duplicate ? CommandState.Completed : CommandState.Rejected,
            ChunkAck = new ChunkAck { Index = chunk.Index, Received = (uint)_assembler.ReceivedCount, Total = (uint)_assembler.ChunkCount },
        }, cancellationToken);
        if (!_assembler.Complete || result != ChunkResult.Accepted) return;
        string path = _assembler.Finish();
        foreach (var state in new[] { CommandState.Downloading, CommandState.Validating, CommandState.Activated })
            await ReplyAsync(new Reply { CommandId = _deployId, State = state, ProgressPercent = state == CommandState.Downloading ? 100u : 0u }, cancellationToken);
        _artifact.TrySetResult(path);
        await ReplyAsync(new Reply { CommandId = _deployId, State = _script.FinalState, Reason = _script.FinalReason }, cancellationToken);
    }

    public Task PublishAsync(string topic, IMessage message, bool retain = false) =>
        _client.PublishAsync(topic, WireCodec.Encode(message, _script.Format), MqttQos.AtLeastOnce, retain, CancellationToken.None);

    public Header Stamp(ulong seq) => NewHeader(seq);

    private Task ReplyAsync(Reply reply, CancellationToken cancellationToken)
    {
        ulong seq = Interlocked.Increment(ref _seq);
        lock (_seqFile) File.WriteAllText(_seqFile, seq.ToString());
        reply.Header = NewHeader(seq);
        return _client.PublishAsync(_topics.Replies, WireCodec.Encode(reply, _script.Format), MqttQos.AtLeastOnce, false, cancellationToken);
    }

    /// <summary>Stops like a killed agent: no offline status, the transfer's progress left on disk.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop;
        _assembler?.Dispose();
        await _client.DisposeAsync();
        _stop.Dispose();
    }
}
