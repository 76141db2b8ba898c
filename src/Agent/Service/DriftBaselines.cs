using EdgeAgent.Telemetry.Drift;

namespace EdgeAgent.Agent.Service;

/// <summary>
/// Captures the deploy-time baselines drift is measured against: the first samples of each
/// tracked distribution after an engine starts serving become its reference, and the drift
/// monitor compares every later window with them (PSI). A new engine captures anew, because a
/// new model legitimately changes its output distribution. Until a baseline exists, that
/// distribution raises no drift.
/// </summary>
public sealed class DriftBaselines(DriftMonitor drift, int samples = 200)
{
    private static readonly string[] Tracked = [DriftMonitor.Confidence, DriftMonitor.Brightness, DriftMonitor.Contrast, DriftMonitor.Blur];
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<double>> _pending = new(StringComparer.Ordinal);
    private string _version = "";

    public void Observe(string version, string distribution, double value)
    {
        List<double>? complete = null;
        lock (_gate)
        {
            if (version != _version)
            {
                _version = version;
                _pending.Clear();
                // Another model may legitimately answer differently: its outputs are judged only against its own baseline.
                drift.ClearBaseline(DriftMonitor.Confidence);
                foreach (var name in Tracked) _pending[name] = new List<double>(samples);
            }
            if (!_pending.TryGetValue(distribution, out var values)) return;
            values.Add(value);
            if (values.Count < samples) return;
            _pending.Remove(distribution);
            complete = values;
        }
        drift.SetBaseline(DistributionBaseline.Capture(distribution, complete.ToArray()));
    }

    public void Observe(string version, InputStatistics statistics)
    {
        Observe(version, DriftMonitor.Brightness, statistics.MeanBrightness);
        Observe(version, DriftMonitor.Contrast, statistics.Contrast);
        Observe(version, DriftMonitor.Blur, statistics.Blur);
    }
}
