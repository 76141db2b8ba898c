using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Drift;

/// <summary>
/// Windowed drift detection. An event is raised when a metric crosses its threshold and once
/// more (cleared) when it comes back, not every window in between, so a drifting device does
/// not flood the events topic.
/// </summary>
public sealed class DriftMonitor(DriftThresholds thresholds, ShadowSampler? sampler = null) : IDriftMonitor
{
    public const string Confidence = "output_confidence";
    public const string Brightness = "input_brightness";
    public const string Contrast = "input_contrast";
    public const string Blur = "input_blur";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, DistributionTracker> _trackers = new();
    private readonly HashSet<string> _drifting = new();
    private long _shadowSamples, _top1Samples, _top1Agree, _boxSamples, _mapSamples;
    private double _cosineSum, _cosineMin = 1, _boxSum, _mapSum;

    /// <summary>Installs the deploy-time baseline for one of the tracked distributions (or any custom name).</summary>
    public void SetBaseline(DistributionBaseline baseline)
    {
        lock (_gate) _trackers[baseline.Name] = new DistributionTracker(baseline);
    }

    /// <summary>Stops judging a distribution until a new baseline is set (e.g. the model changed, so its outputs may too).</summary>
    public void ClearBaseline(string name)
    {
        lock (_gate)
        {
            _trackers.Remove(name);
            _drifting.Remove("psi:" + name);
        }
    }

    public void ObserveShadow(ShadowObservation o)
    {
        lock (_gate)
        {
            _shadowSamples++;
            _cosineSum += o.Cosine;
            _cosineMin = Math.Min(_cosineMin, o.Cosine);
            if (o.Top1Agrees is { } agrees)
            {
                _top1Samples++;
                if (agrees) _top1Agree++;
            }
            if (o.BoxRecall is { } recall)
            {
                _boxSamples++;
                _boxSum += recall;
            }
            if (o.MapIoU is { } iou)
            {
                _mapSamples++;
                _mapSum += iou;
            }
        }
    }

    public void ObserveConfidence(double confidence) => Observe(Confidence, confidence);

    public void ObserveInput(InputStatistics statistics)
    {
        Observe(Brightness, statistics.MeanBrightness);
        Observe(Contrast, statistics.Contrast);
        Observe(Blur, statistics.Blur);
    }

    public void Observe(string distribution, double value)
    {
        lock (_gate)
            if (_trackers.TryGetValue(distribution, out var tracker)) tracker.Observe(value);
    }

    public DriftReport Evaluate()
    {
        lock (_gate)
        {
            var events = new List<DriftEvent>();
            ShadowStats? shadow = null;
            if (_shadowSamples > 0)
            {
                shadow = new ShadowStats { Samples = (ulong)_shadowSamples, CosineMean = _cosineSum / _shadowSamples, CosineMin = _cosineMin };
                if (sampler is not null) shadow.BudgetUsed = sampler.TakeBudgetUsed();
                Check(events, DriftEvent.Types.Signal.Shadow, "cosine_mean", shadow.CosineMean, thresholds.MinCosine, _shadowSamples, below: true);
                if (_top1Samples > 0)
                {
                    shadow.Top1Agreement = (double)_top1Agree / _top1Samples;
                    Check(events, DriftEvent.Types.Signal.Shadow, "top1_agreement", shadow.Top1Agreement, thresholds.MinTop1Agreement, _top1Samples, below: true);
                }
                if (_boxSamples > 0)
                {
                    shadow.BoxRecallIou50 = _boxSum / _boxSamples;
                    Check(events, DriftEvent.Types.Signal.Shadow, "box_recall_iou50", shadow.BoxRecallIou50, thresholds.MinBoxRecall, _boxSamples, below: true);
                }
                if (_mapSamples > 0)
                {
                    shadow.MapIou = _mapSum / _mapSamples;
                    Check(events, DriftEvent.Types.Signal.Shadow, "map_iou", shadow.MapIou, thresholds.MinMapIoU, _mapSamples, below: true);
                }
            }
            var distributions = new List<DistributionDrift>();
            foreach (var (name, tracker) in _trackers.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (tracker.Samples == 0) continue;
                double psi = tracker.Psi();
                distributions.Add(new DistributionDrift { Name = name, Psi = psi, Samples = (ulong)tracker.Samples });
                Check(events, DriftEvent.Types.Signal.Distribution, "psi:" + name, psi, thresholds.MaxPsi, tracker.Samples, below: false);
                tracker.Reset();
            }
            _shadowSamples = _top1Samples = _top1Agree = _boxSamples = _mapSamples = 0;
            _cosineSum = _boxSum = _mapSum = 0;
            _cosineMin = 1;
            return new DriftReport(shadow, distributions, events);
        }
    }

    private void Check(List<DriftEvent> events, DriftEvent.Types.Signal signal, string metric, double value, double threshold, long samples, bool below)
    {
        if (samples < thresholds.MinSamples) return;
        bool drifting = below ? value < threshold : value > threshold;
        bool wasDrifting = _drifting.Contains(metric);
        if (drifting == wasDrifting) return;
        if (drifting) _drifting.Add(metric);
        else _drifting.Remove(metric);
        events.Add(new DriftEvent { Signal = signal, Metric = metric, Value = value, Threshold = threshold, Samples = (ulong)samples, Cleared = !drifting });
    }

    /// <summary>Wraps a drift event for the events topic.</summary>
    public static Event ToEvent(DriftEvent drift, EngineInfo? engine) => new()
    {
        Severity = drift.Cleared ? Event.Types.Severity.Info : Event.Types.Severity.Warning,
        Kind = "drift",
        Message = drift.Cleared
            ? $"{drift.Metric} back within threshold ({drift.Value:0.###} vs {drift.Threshold:0.###})"
            : $"{drift.Metric} crossed its threshold ({drift.Value:0.###} vs {drift.Threshold:0.###}) over {drift.Samples} samples",
        Engine = engine,
        Drift = drift,
    };
}
