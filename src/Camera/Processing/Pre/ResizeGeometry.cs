namespace EdgeAgent.Camera.Processing.Pre;

/// <summary>
/// Where the source image landed inside the model input: model = source * scale + pad on each
/// axis. Post-processing uses it to map boxes back to camera pixels.
/// </summary>
public readonly record struct ResizeGeometry(
    int SourceWidth, int SourceHeight,
    int InputWidth, int InputHeight,
    float ScaleX, float ScaleY,
    int PadX, int PadY,
    int ContentWidth, int ContentHeight)
{
    public static ResizeGeometry Compute(int sourceWidth, int sourceHeight, int inputWidth, int inputHeight, ResizeMode mode)
    {
        if (sourceWidth < 1 || sourceHeight < 1 || inputWidth < 1 || inputHeight < 1)
            throw new ArgumentOutOfRangeException(nameof(sourceWidth), "sizes must be positive");
        if (mode == ResizeMode.Stretch)
        {
            return new ResizeGeometry(sourceWidth, sourceHeight, inputWidth, inputHeight,
                (float)inputWidth / sourceWidth, (float)inputHeight / sourceHeight, 0, 0, inputWidth, inputHeight);
        }
        float scale = Math.Min((float)inputWidth / sourceWidth, (float)inputHeight / sourceHeight);
        int contentW = Math.Clamp((int)MathF.Round(sourceWidth * scale), 1, inputWidth);
        int contentH = Math.Clamp((int)MathF.Round(sourceHeight * scale), 1, inputHeight);
        return new ResizeGeometry(sourceWidth, sourceHeight, inputWidth, inputHeight,
            (float)contentW / sourceWidth, (float)contentH / sourceHeight,
            (inputWidth - contentW) / 2, (inputHeight - contentH) / 2, contentW, contentH);
    }

    public static ResizeGeometry Identity(int width, int height) => new(width, height, width, height, 1, 1, 0, 0, width, height);

    /// <summary>Model-input coordinates to source-image coordinates (not clamped).</summary>
    public (float X, float Y) ToSource(float x, float y) => ((x - PadX) / ScaleX, (y - PadY) / ScaleY);

    public (float X, float Y) ToInput(float x, float y) => (x * ScaleX + PadX, y * ScaleY + PadY);
}
