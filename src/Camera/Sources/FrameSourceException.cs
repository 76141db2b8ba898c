namespace EdgeAgent.Camera.Sources;

/// <summary>
/// A source failed at run time (decoder exited, stream truncated, device gone). Unlike
/// <see cref="CameraConfigException"/> this may heal on restart, so the resilient wrapper retries it.
/// </summary>
public sealed class FrameSourceException : Exception
{
    public FrameSourceException(string message) : base(message) { }

    public FrameSourceException(string message, Exception inner) : base(message, inner) { }
}
