using EdgeAgent.Camera.Processing.Post.Text;

namespace EdgeAgent.Agent.Ocr;

/// <summary>How an <see cref="OcrCascade"/> runs; defaults are PaddleOCR's where it has one.</summary>
public sealed record OcrOptions
{
    /// <summary>The detector's square input: frames are letterboxed into it.</summary>
    public int DetectorSize { get; init; } = 640;
    /// <summary>Rows of a line crop (the recognizer's and classifier's input height).</summary>
    public int LineHeight { get; init; } = 48;
    /// <summary>Recognizer input widths: a line goes to the narrowest that holds it at <see cref="LineHeight"/>, and is squeezed into the widest.</summary>
    public int[] LineWidths { get; init; } = [320, 640, 1280];
    /// <summary>The direction classifier's input width.</summary>
    public int ClassifierWidth { get; init; } = 192;
    /// <summary>Skips the direction classifier (lines are never turned over).</summary>
    public bool UseClassifier { get; init; } = true;
    /// <summary>Probability of "upside down" above which a line is turned over before it is read.</summary>
    public float FlipThreshold { get; init; } = 0.9f;
    /// <summary>Lines run through the classifier and recognizer together, per input width.</summary>
    public int MaxBatch { get; init; } = 8;
    public DbOptions Detection { get; init; } = new();

    public void Validate()
    {
        if (DetectorSize is < 32 or > 4096 || DetectorSize % 32 != 0)
            throw new Cli.CliUsageException($"the detector size must be a multiple of 32 in [32, 4096], got {DetectorSize}");
        if (LineHeight < 8 || ClassifierWidth < 8 || LineWidths.Length == 0 || LineWidths.Any(w => w < 8) || MaxBatch is < 1 or > 64)
            throw new Cli.CliUsageException("text line sizes must be at least 8 pixels and the batch in [1, 64]");
        if (FlipThreshold is < 0 or > 1)
            throw new Cli.CliUsageException($"the flip threshold must be in [0, 1], got {FlipThreshold}");
        Detection.Validate();
    }
}
