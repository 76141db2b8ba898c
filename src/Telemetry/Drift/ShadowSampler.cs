namespace EdgeAgent.Telemetry.Drift;

/// <summary>
/// Decides which frames also go through the reference engine: every Nth frame, but never
/// more than a fraction of wall time (the budget), measured from what the reference runs
/// actually cost. A slow reference on a busy device therefore samples less, not slower.
/// </summary>
public sealed class ShadowSampler
{
    private readonly int _everyNth;
    private readonly double _budget;
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxCredit;
    private long _lastTimestamp;
    private TimeSpan _credit;
    private TimeSpan _spent;
    private TimeSpan _elapsed;

    public ShadowSampler(int everyNth, double budgetFraction, TimeProvider? time = null)
    {
        if (everyNth < 1) throw new ArgumentOutOfRangeException(nameof(everyNth), "sample every N >= 1 frames");
        if (budgetFraction is <= 0 or > 1 || double.IsNaN(budgetFraction)) throw new ArgumentOutOfRangeException(nameof(budgetFraction), "budget is a fraction in (0, 1]");
        _everyNth = everyNth;
        _budget = budgetFraction;
        _time = time ?? TimeProvider.System;
        _lastTimestamp = _time.GetTimestamp();
        _maxCredit = TimeSpan.FromSeconds(budgetFraction * 10);
        _credit = TimeSpan.Zero;
    }

    public bool ShouldSample(long frameIndex)
    {
        Accrue();
        return frameIndex % _everyNth == 0 && _credit > TimeSpan.Zero;
    }

    /// <summary>What one reference run cost; it is paid from the budget's credit.</summary>
    public void Spent(TimeSpan cost)
    {
        Accrue();
        _credit -= cost;
        _spent += cost;
    }

    /// <summary>Fraction of wall time used by reference runs since the last call.</summary>
    public double TakeBudgetUsed()
    {
        Accrue();
        double used = _elapsed > TimeSpan.Zero ? _spent / _elapsed : 0;
        _spent = _elapsed = TimeSpan.Zero;
        return used;
    }

    private void Accrue()
    {
        long now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_lastTimestamp, now);
        _lastTimestamp = now;
        _elapsed += elapsed;
        _credit += elapsed * _budget;
        if (_credit > _maxCredit) _credit = _maxCredit;
    }
}
