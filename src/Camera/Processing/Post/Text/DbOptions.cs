namespace EdgeAgent.Camera.Processing.Post.Text;

/// <summary>Differentiable-binarization (DB) text detector post-processing; defaults are PaddleOCR's.</summary>
public sealed record DbOptions
{
    /// <summary>Probability above which a pixel is text.</summary>
    public float Threshold { get; init; } = 0.3f;
    /// <summary>Mean probability a region needs to be kept.</summary>
    public float BoxThreshold { get; init; } = 0.6f;
    /// <summary>How far the shrunk text kernel is grown back: distance = area * ratio / perimeter.</summary>
    public float UnclipRatio { get; init; } = 1.5f;
    /// <summary>Regions whose shorter side is below this (map pixels) are noise.</summary>
    public float MinSize { get; init; } = 3;
    public int MaxCandidates { get; init; } = 1000;

    public void Validate()
    {
        if (Threshold is <= 0 or >= 1 || BoxThreshold is < 0 or > 1 || UnclipRatio < 0 || MinSize < 0 || MaxCandidates < 1)
            throw new CameraConfigException($"DB options need Threshold in (0, 1), BoxThreshold in [0, 1], UnclipRatio >= 0, MinSize >= 0, MaxCandidates >= 1 (got {Threshold}, {BoxThreshold}, {UnclipRatio}, {MinSize}, {MaxCandidates})");
    }
}
