using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Agent.Fleet;

/// <summary>What a deploy reports while it runs; the CLI draws a progress bar or prints lines from it.</summary>
public interface IDeployObserver
{
    void Started(DeployPlan plan);

    void StatusSeen(Status status, bool retained);

    /// <summary>A reply to the deploy command itself (state changes, progress, chunk requests).</summary>
    void ReplyReceived(Reply reply);

    /// <summary>The device's count of chunks it holds, from its chunk acknowledgements.</summary>
    void ChunksAcknowledged(int received, int total);

    /// <summary>Chunks sent for the current request of the device.</summary>
    void ChunksSent(int sent, int requested);

    void Note(string line);
}

/// <summary>How a deploy ended: committed, or the reason it did not.</summary>
public sealed record DeployOutcome(bool Committed, CommandState State, string Message);

/// <summary>Deadlines of a deploy; tests shorten them.</summary>
public sealed record DeployTimings
{
    /// <summary>The whole deploy: transfer, build, validation and probation.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A device that says nothing at all for this long is reported as not answering.</summary>
    public TimeSpan AnswerTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Chunk publishes awaiting the broker's acknowledgement at once.</summary>
    public int SendWindow { get; init; } = 8;
}
