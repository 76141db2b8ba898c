using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Agent.Fleet;

/// <summary>
/// The operator's half of a deploy: publish the Deploy command, send the chunks the device asks
/// for (again after a reconnect or a device restart), and follow the device's replies until the
/// deploy is committed, rolled back, failed or out of time.
/// </summary>
public sealed class DeploySession(FleetLink link, DeployPlan plan, IDeployObserver observer, DeployTimings timings, TimeProvider time)
{
    public async Task<DeployOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var topics = link.Topics(plan.DeviceId);
        var inbox = new FleetInbox(link, time);
        // Subscribe before publishing, or a quick device's first replies would be missed.
        await link.SubscribeAsync(topics.Replies, cancellationToken).ConfigureAwait(false);
        await link.SubscribeAsync(topics.Status, cancellationToken).ConfigureAwait(false);

        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sender = new ChunkSender(link, topics, plan, observer, timings.SendWindow);
        var sending = plan.Chunked ? sender.RunAsync(run.Token) : Task.CompletedTask;
        try
        {
            observer.Started(plan);
            var start = time.GetUtcNow();
            await link.SendAsync(topics, plan.DeployCommand(start), cancellationToken).ConfigureAwait(false);
            return await FollowAsync(inbox, sender, sending, start, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            run.Cancel();
            try
            {
                await sending.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping the sender is how a finished deploy ends it.
            }
        }
    }

    private async Task<DeployOutcome> FollowAsync(FleetInbox inbox, ChunkSender sender, Task sending, DateTimeOffset start, CancellationToken cancellationToken)
    {
        var deadline = start + timings.Timeout;
        var answerBy = start + (timings.AnswerTimeout < timings.Timeout ? timings.AnswerTimeout : timings.Timeout);
        var state = CommandState.Unspecified;
        uint progress = 0;
        bool streaming = false;
        Status? lastStatus = null;
        int malformed = 0;
        string? lastMalformed = null;

        while (true)
        {
            // A failed sender (e.g. the artifact vanished) ends the deploy with its own error.
            if (sending.IsFaulted) await sending.ConfigureAwait(false);
            var now = time.GetUtcNow();
            if (state == CommandState.Unspecified && now >= answerBy)
                return new DeployOutcome(false, state, FleetWording.Silence(plan.DeviceId, answerBy - start, lastStatus, malformed, lastMalformed));
            if (now >= deadline)
            {
                string where = state is CommandState.Downloading or CommandState.Building ? $" {progress}%" : "";
                return new DeployOutcome(false, state,
                    $"deploy to '{plan.DeviceId}' did not finish within {timings.Timeout.TotalSeconds:0.#} s; last state: {FleetWording.State(state)}{where}");
            }
            var wakeAt = state == CommandState.Unspecified ? answerBy : deadline;
            var update = await inbox.NextAsync(wakeAt - now, cancellationToken).ConfigureAwait(false);
            if (update is null || update.DeviceId != plan.DeviceId) continue;

            switch (update)
            {
                case ReplyUpdate { Reply: var reply } when reply.CommandId == plan.CommandId:
                    state = reply.State;
                    if (reply.State is CommandState.Downloading or CommandState.Building) progress = reply.ProgressPercent;
                    observer.ReplyReceived(reply);
                    if (reply.ChunkRequest is { } request && plan.Chunked)
                    {
                        // The device's own list wins: after a reconnect or restart it knows best what it lacks.
                        streaming = true;
                        var indices = Requested(request);
                        observer.Note($"device holds {request.Received} of {request.Total} chunks and asks for {indices.Count}; sending them");
                        sender.Request(indices);
                    }
                    else if (plan.Chunked && !streaming && !FleetWording.IsTerminal(reply.State))
                    {
                        // Accepted: the device expects the whole artifact now.
                        streaming = true;
                        sender.Request(Enumerable.Range(0, plan.Artifact.ChunkCount).ToArray());
                    }
                    if (Outcome(reply) is { } outcome) return outcome;
                    break;
                case ReplyUpdate { Reply: var reply } when plan.IsChunkReply(reply.CommandId):
                    if (reply.ChunkAck is { } ack) observer.ChunksAcknowledged((int)ack.Received, (int)ack.Total);
                    if (reply.State is CommandState.Rejected or CommandState.Failed)
                        observer.Note($"device refused chunk command {reply.CommandId}: {reply.Reason}");
                    break;
                case StatusUpdate status:
                    lastStatus = status.Status;
                    observer.StatusSeen(status.Status, status.Retained);
                    break;
                case MalformedUpdate bad:
                    malformed++;
                    lastMalformed = bad.Error;
                    observer.Note($"ignored a malformed message on {bad.Topic}: {bad.Error}");
                    break;
            }
        }
    }

    /// <summary>
    /// The requested indices that exist, each once and in order: the list comes from the network
    /// and must not make the sender loop over garbage or send a chunk twice per request.
    /// </summary>
    private IReadOnlyList<int> Requested(ChunkRequest request)
    {
        var wanted = new SortedSet<int>();
        foreach (uint index in request.Missing)
            if (index < (uint)plan.Artifact.ChunkCount) wanted.Add((int)index);
        return wanted.ToArray();
    }

    private DeployOutcome? Outcome(Reply reply)
    {
        string what = $"{plan.ModelId} {plan.Version}";
        string reason = string.IsNullOrWhiteSpace(reply.Reason) ? "no reason given" : reply.Reason;
        return reply.State switch
        {
            CommandState.Committed => new DeployOutcome(true, reply.State, $"device '{plan.DeviceId}' committed {what}"),
            CommandState.RolledBack => new DeployOutcome(false, reply.State, $"device '{plan.DeviceId}' rolled back {what}: {reason}"),
            CommandState.Failed => new DeployOutcome(false, reply.State, $"deploy of {what} to '{plan.DeviceId}' failed: {reason}"),
            CommandState.Rejected => new DeployOutcome(false, reply.State, $"device '{plan.DeviceId}' rejected the deploy of {what}: {reason}"),
            // A deploy has a lifecycle; COMPLETED would be a device bug, reported rather than mistaken for success.
            CommandState.Completed => new DeployOutcome(false, reply.State, $"device '{plan.DeviceId}' answered the deploy with 'completed' instead of committing it"),
            _ => null,
        };
    }
}
