using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Agent.Fleet;

/// <summary>
/// Deploy progress as plain lines, for logs, pipes and CI: one line per state change and per
/// 10 % step, so the output stays short and greppable.
/// </summary>
public sealed class DeployProgressLines(TextWriter output, bool verbose) : IDeployObserver
{
    private readonly Lock _gate = new();
    private CommandState _state;
    private int _lastStep = -1;
    private int _lastAckStep = -1;

    public void Started(DeployPlan plan)
    {
        string how = plan.Chunked ? $"{plan.Artifact.ChunkCount} chunks of {plan.Artifact.ChunkSize} bytes" : $"from {plan.Url}";
        Write($"deploying {plan.ModelId} {plan.Version} ({plan.Artifact.Kind.ToString().ToLowerInvariant()}, {plan.Artifact.Length} bytes, sha256 {plan.Artifact.Sha256Hex[..12]}…, {how}) to '{plan.DeviceId}' as {plan.CommandId}");
    }

    public void StatusSeen(Status status, bool retained)
    {
        if (status.State == Status.Types.State.Offline) Write($"device is {FleetWording.Status(status)}; waiting for it");
        else if (!retained) Write($"device is {FleetWording.Status(status)}");
    }

    public void ReplyReceived(Reply reply)
    {
        lock (_gate)
        {
            bool progressing = reply.State is CommandState.Downloading or CommandState.Building;
            int step = progressing ? (int)Math.Min(reply.ProgressPercent, 100) / 10 : -1;
            if (reply.State == _state && (!progressing || step == _lastStep)) return;
            _state = reply.State;
            _lastStep = step;
        }
        string line = FleetWording.State(reply.State);
        if (reply.State is CommandState.Downloading or CommandState.Building) line += $" {reply.ProgressPercent}%";
        if (!string.IsNullOrWhiteSpace(reply.Reason)) line += $": {reply.Reason}";
        Write(line);
    }

    public void ChunksAcknowledged(int received, int total)
    {
        if (total <= 0) return;
        int step = received * 10 / total;
        lock (_gate)
        {
            // The device's own DOWNLOADING replies say the same; show acks only when it sends none.
            if (_state == CommandState.Downloading || step == _lastAckStep) return;
            _lastAckStep = step;
        }
        Write($"received by device: {received}/{total} chunks");
    }

    public void ChunksSent(int sent, int requested)
    {
        if (verbose && (sent == requested || sent % 64 == 0)) Write($"sent {sent}/{requested} chunks");
    }

    public void Note(string line) => Write(line);

    private void Write(string line)
    {
        lock (_gate) output.WriteLine(line);
    }
}
