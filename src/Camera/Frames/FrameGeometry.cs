namespace EdgeAgent.Camera.Frames;

/// <summary>Size and layout of every frame a source delivers; fixed for the source's lifetime.</summary>
public readonly record struct FrameGeometry(int Width, int Height, PixelFormat Format)
{
    public const int BytesPerPixel = 3;

    public int Stride => Width * BytesPerPixel;

    public int ByteCount => checked(Width * Height * BytesPerPixel);

    public override string ToString() => $"{Width}x{Height} {Format}";
}
