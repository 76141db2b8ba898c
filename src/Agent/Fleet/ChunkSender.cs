using System.Threading.Channels;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Agent.Fleet;

/// <summary>
/// Sends the chunks a device asks for. Each request is the device's current view of what it
/// misses, so a newer request replaces the rest of an older one instead of adding to it: after
/// a reconnect the device asks for exactly what it lacks and nothing is sent twice on purpose.
/// </summary>
internal sealed class ChunkSender(FleetLink link, TopicTree topics, DeployPlan plan, IDeployObserver observer, int window)
{
    private readonly Channel<IReadOnlyList<int>> _requests = Channel.CreateUnbounded<IReadOnlyList<int>>(
        new UnboundedChannelOptions { SingleReader = true });
    private readonly int[] _attempts = new int[plan.Artifact.ChunkCount];

    public void Request(IReadOnlyList<int> indices) => _requests.Writer.TryWrite(indices);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var inflight = new Queue<Task>();
        while (await _requests.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            IReadOnlyList<int>? current = null;
            while (_requests.Reader.TryRead(out var newest)) current = newest;
            if (current is null || current.Count == 0) continue;
            int sent = 0;
            foreach (int index in current)
            {
                if (_requests.Reader.TryPeek(out _)) break; // superseded: the outer loop takes the newer request
                var command = plan.ChunkCommand(index, ++_attempts[index]);
                inflight.Enqueue(link.SendAsync(topics, command, cancellationToken));
                // Bounded in-flight publishes keep memory flat for large artifacts while hiding round trips.
                while (inflight.Count >= window) await inflight.Dequeue().ConfigureAwait(false);
                observer.ChunksSent(++sent, current.Count);
            }
            while (inflight.Count > 0) await inflight.Dequeue().ConfigureAwait(false);
        }
    }
}
