using EdgeAgent.Telemetry.Wire;
using Google.Protobuf.WellKnownTypes;

namespace EdgeAgent.Agent.Fleet;

/// <summary>The end of a command without transfer: its final reply, the device's retained status, or silence.</summary>
public sealed record ExchangeResult(Reply? Final, Status? RetainedStatus, string? Problem)
{
    public bool Succeeded => Problem is null;
}

/// <summary>
/// Sends one command (GetStatus, Rollback) to a device and waits for the reply that ends it,
/// showing intermediate states on the way. The retained status is collected too: it tells the
/// operator whether silence means "offline" or "unknown device".
/// </summary>
public sealed class CommandExchange(FleetLink link, TimeProvider time)
{
    public static Command NewCommand(string? commandId = null) => new()
    {
        CommandId = string.IsNullOrEmpty(commandId) ? Guid.NewGuid().ToString() : commandId,
        SchemaVersion = Contract.SchemaVersion,
        IssuedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
    };

    /// <param name="isSuccess">Which final states count as success for this command.</param>
    /// <param name="progress">Called with every reply to the command (also the final one).</param>
    public async Task<ExchangeResult> RunAsync(string deviceId, Command command, TimeSpan timeout,
        Func<CommandState, bool> isSuccess, Action<Reply>? progress, CancellationToken cancellationToken)
    {
        var topics = link.Topics(deviceId);
        var inbox = new FleetInbox(link, time);
        await link.SubscribeAsync(topics.Replies, cancellationToken).ConfigureAwait(false);
        await link.SubscribeAsync(topics.Status, cancellationToken).ConfigureAwait(false);
        var start = time.GetUtcNow();
        command.ExpiresAt ??= Timestamp.FromDateTimeOffset(start + timeout + TimeSpan.FromMinutes(5));
        await link.SendAsync(topics, command, cancellationToken).ConfigureAwait(false);

        var deadline = start + timeout;
        Status? status = null;
        Reply? last = null;
        int malformed = 0;
        string? lastMalformed = null;
        while (true)
        {
            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                string problem = last is null
                    ? FleetWording.Silence(deviceId, timeout, status, malformed, lastMalformed)
                    : $"'{deviceId}' did not finish within {timeout.TotalSeconds:0.#} s; last state: {FleetWording.State(last.State)}";
                return new ExchangeResult(last, status, problem);
            }
            var update = await inbox.NextAsync(left, cancellationToken).ConfigureAwait(false);
            if (update is null || update.DeviceId != deviceId) continue;
            switch (update)
            {
                case StatusUpdate s:
                    status = s.Status;
                    break;
                case MalformedUpdate bad:
                    malformed++;
                    lastMalformed = bad.Error;
                    break;
                case ReplyUpdate { Reply: var reply } when reply.CommandId == command.CommandId:
                    last = reply;
                    progress?.Invoke(reply);
                    if (!FleetWording.IsTerminal(reply.State)) break;
                    if (isSuccess(reply.State)) return new ExchangeResult(reply, status, null);
                    string reason = string.IsNullOrWhiteSpace(reply.Reason) ? "no reason given" : reply.Reason;
                    return new ExchangeResult(reply, status, $"'{deviceId}' answered {FleetWording.State(reply.State)}: {reason}");
            }
        }
    }
}
