using EdgeAgent.Telemetry.Wire;
using Spectre.Console;
using Status = EdgeAgent.Telemetry.Wire.Status;

namespace EdgeAgent.Agent.Fleet;

/// <summary>
/// Deploy progress as a live bar on a terminal. One bar covers the whole deploy so it only ever
/// moves forward: transfer up to 50 %, building to 80 %, then validation, probation and commit.
/// </summary>
public sealed class DeployProgressBar(IAnsiConsole console)
{
    public async Task<DeployOutcome> RunAsync(Func<IDeployObserver, Task<DeployOutcome>> deploy)
    {
        return await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("connecting", maxValue: 100);
                var observer = new Observer(console, task);
                var outcome = await deploy(observer).ConfigureAwait(false);
                task.Description = Markup.Escape(outcome.Committed ? "committed" : FleetWording.State(outcome.State));
                if (outcome.Committed) task.Value = 100;
                task.StopTask();
                return outcome;
            }).ConfigureAwait(false);
    }

    private sealed class Observer(IAnsiConsole console, ProgressTask task) : IDeployObserver
    {
        public void Started(DeployPlan plan) => task.Description = Markup.Escape($"{plan.ModelId} {plan.Version} → {plan.DeviceId}: sending");

        public void StatusSeen(Status status, bool retained)
        {
            if (status.State == Status.Types.State.Offline)
                task.Description = Markup.Escape($"waiting: device {FleetWording.Status(status)}");
        }

        public void ReplyReceived(Reply reply)
        {
            double overall = reply.State switch
            {
                CommandState.Accepted => 1,
                CommandState.Downloading => 50.0 * Math.Min(reply.ProgressPercent, 100) / 100,
                CommandState.Building => 50 + 30.0 * Math.Min(reply.ProgressPercent, 100) / 100,
                CommandState.Validating => 85,
                CommandState.Activated => 90,
                CommandState.Committed => 100,
                _ => task.Value,
            };
            task.Value = Math.Max(task.Value, overall);
            string text = FleetWording.State(reply.State);
            if (reply.State is CommandState.Downloading or CommandState.Building) text += $" {reply.ProgressPercent}%";
            task.Description = Markup.Escape(text);
        }

        public void ChunksAcknowledged(int received, int total)
        {
            if (total > 0) task.Value = Math.Max(task.Value, 50.0 * received / total);
        }

        public void ChunksSent(int sent, int requested) { }

        public void Note(string line) => console.MarkupLine("[grey]" + Markup.Escape(line) + "[/]");
    }
}
