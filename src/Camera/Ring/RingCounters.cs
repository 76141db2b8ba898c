namespace EdgeAgent.Camera.Ring;

/// <summary>
/// Frame ring counters. Captured = Delivered + Dropped + Queued always holds; Dropped counts frames
/// overwritten because the consumer was slower than the source.
/// </summary>
public readonly record struct RingCounters(long Captured, long Delivered, long Dropped, int Queued, TimeSpan? NewestFrameAge);
