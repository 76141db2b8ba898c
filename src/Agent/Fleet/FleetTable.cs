using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EdgeAgent.Agent.Fleet;

/// <summary>Draws the watch board as a table: one row per device, the numbers an operator scans for.</summary>
public static class FleetTable
{
    public static IRenderable Render(FleetBoard board, DateTimeOffset now, string? title = null)
    {
        var table = new Table().Border(TableBorder.Rounded);
        if (title is not null) table.Title(Markup.Escape(title));
        table.AddColumn("device");
        table.AddColumn("status");
        table.AddColumn("engine");
        table.AddColumn(new TableColumn("fps").RightAligned());
        table.AddColumn(new TableColumn("p50 ms").RightAligned());
        table.AddColumn(new TableColumn("p99 ms").RightAligned());
        table.AddColumn("drift");
        table.AddColumn(new TableColumn("drops").RightAligned());
        table.AddColumn(new TableColumn("seen").RightAligned());
        if (board.Rows.Count == 0)
        {
            table.AddRow("[grey](no devices yet)[/]", "", "", "", "", "", "", "", "");
            return table;
        }
        foreach (var row in board.Rows)
        {
            string status = row.Status switch
            {
                "online" => "[green]online[/]",
                "offline" => "[red]offline[/]",
                _ => "[grey]" + Markup.Escape(row.Status) + "[/]",
            };
            if (!string.IsNullOrEmpty(row.DeploymentState) && row.DeploymentState != "idle") status += " " + Markup.Escape(row.DeploymentState);
            table.AddRow(
                Markup.Escape(row.DeviceId),
                status,
                Markup.Escape(row.Engine),
                Number(row.Fps, "0.0"),
                Number(row.P50Ms, "0.00"),
                Number(row.P99Ms, "0.00"),
                Drift(row),
                row.DroppedLastWindow is { } d ? $"{d} ({row.DroppedSinceWatch})" : "-",
                row.LastSeen is { } seen ? Age(now - seen) : "-");
        }
        return table;
    }

    /// <summary>Alarms first (they need attention), then the worst PSI and the shadow cosine.</summary>
    private static string Drift(DeviceRow row)
    {
        var parts = new List<string>();
        if (row.DriftAlarms.Count > 0) parts.Add("[red]ALARM " + Markup.Escape(string.Join(",", row.DriftAlarms)) + "[/]");
        if (row.MaxPsi is { } psi) parts.Add((psi > 0.25 ? "[red]" : psi > 0.1 ? "[yellow]" : "[green]") + "psi " + psi.ToString("0.000", CultureInfo.InvariantCulture) + "[/]");
        if (row.ShadowCosine is { } cos) parts.Add("cos " + cos.ToString("0.000", CultureInfo.InvariantCulture));
        if (row.TelemetryGaps > 0) parts.Add($"[yellow]{row.TelemetryGaps} lost[/]");
        return parts.Count == 0 ? "-" : string.Join(" ", parts);
    }

    private static string Number(double? value, string format) =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Age(TimeSpan age) =>
        age.TotalSeconds < 1 ? "now" : age.TotalSeconds < 120 ? $"{age.TotalSeconds:0}s" : $"{age.TotalMinutes:0}m";
}
