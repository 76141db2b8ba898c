namespace EdgeAgent.Camera.Frames;

/// <summary>Packed 8-bit pixel layouts a source can deliver (what ffmpeg calls rgb24/bgr24).</summary>
public enum PixelFormat
{
    Rgb24,
    Bgr24,
}
