using System.Diagnostics;

namespace EdgeAgent.Camera.Frames;

/// <summary>
/// Metadata of one frame. The capture timestamp is a <see cref="Stopwatch"/> timestamp taken when
/// the last byte of the frame arrived from the decoder: the earliest moment this process can know
/// the frame exists, which is what queueing age is measured from.
/// </summary>
/// <param name="TriggerId">Sequence number of the trigger that grabbed this frame; 0 when untriggered.</param>
public readonly record struct FrameInfo(
    long Id,
    long CaptureTimestamp,
    FrameGeometry Geometry,
    long TriggerId = 0)
{
    public int Width => Geometry.Width;

    public int Height => Geometry.Height;

    public PixelFormat Format => Geometry.Format;

    public TimeSpan Age => Stopwatch.GetElapsedTime(CaptureTimestamp);
}
