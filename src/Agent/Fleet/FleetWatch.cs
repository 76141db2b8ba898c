using Spectre.Console;

namespace EdgeAgent.Agent.Fleet;

/// <summary>
/// <c>fleet watch</c>: subscribes to the devices' status (retained, so every known device shows
/// up at once), telemetry and events, and keeps the board current. On a terminal the table is
/// redrawn in place; otherwise it is printed when the watch ends (or per refresh without an end).
/// </summary>
public sealed class FleetWatch(FleetLink link, TimeProvider time)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    public async Task<FleetBoard> RunAsync(string? deviceId, TimeSpan? duration, IAnsiConsole console, bool live, CancellationToken cancellationToken)
    {
        string device = deviceId is null ? "+" : link.Topics(deviceId).DeviceId;
        string prefix = link.Options.Prefix;
        foreach (var leaf in new[] { "status", "telemetry", "events" })
            await link.SubscribeAsync($"{prefix}/{device}/{leaf}", cancellationToken).ConfigureAwait(false);

        var board = new FleetBoard(deviceId);
        var inbox = new FleetInbox(link, time);
        var end = duration is { } d ? time.GetUtcNow() + d : DateTimeOffset.MaxValue;

        if (live)
        {
            await console.Live(FleetTable.Render(board, time.GetUtcNow(), Title(link)))
                .AutoClear(false)
                .StartAsync(async context =>
                {
                    await PumpAsync(inbox, board, end, () => context.UpdateTarget(FleetTable.Render(board, time.GetUtcNow(), Title(link))), cancellationToken)
                        .ConfigureAwait(false);
                }).ConfigureAwait(false);
            return board;
        }

        // Without an end, print the table whenever something changed, at most once per refresh.
        int printed = -1;
        await PumpAsync(inbox, board, end, () =>
        {
            if (duration is not null || board.Version == printed) return;
            printed = board.Version;
            console.Write(FleetTable.Render(board, time.GetUtcNow(), Title(link)));
        }, cancellationToken).ConfigureAwait(false);
        if (duration is not null) console.Write(FleetTable.Render(board, time.GetUtcNow(), Title(link)));
        return board;
    }

    private async Task PumpAsync(FleetInbox inbox, FleetBoard board, DateTimeOffset end, Action refresh, CancellationToken cancellationToken)
    {
        var nextRefresh = time.GetUtcNow() + RefreshInterval;
        try
        {
            while (true)
            {
                var now = time.GetUtcNow();
                if (now >= end) break;
                if (now >= nextRefresh)
                {
                    refresh();
                    nextRefresh = now + RefreshInterval;
                }
                var wake = nextRefresh < end ? nextRefresh : end;
                var update = await inbox.NextAsync(wake - now, cancellationToken).ConfigureAwait(false);
                if (update is not null) board.Apply(update, time.GetUtcNow());
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C ends a watch; it is how an open-ended watch is meant to stop.
        }
        refresh();
    }

    private static string Title(FleetLink link) => $"EdgeAgent fleet on {link.Broker}";
}
