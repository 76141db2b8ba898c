namespace EdgeAgent.Camera.Serial;

/// <summary>The values a result line can show; what each placeholder of a <see cref="ResultTemplate"/> reads.</summary>
public readonly record struct ResultFields(
    long FrameId,
    string Label,
    float Score,
    int ClassId = -1,
    long TriggerId = 0,
    int Count = 0,
    long TimeUnixMs = 0,
    string? Tag = null,
    string? Text = null);
