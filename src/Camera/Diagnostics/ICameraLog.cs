namespace EdgeAgent.Camera.Diagnostics;

public enum CameraLogLevel
{
    Debug,
    Information,
    Warning,
    Error,
}

/// <summary>
/// The one logging seam of the camera library; the host adapts it to its logger so this library
/// needs no logging package.
/// </summary>
public interface ICameraLog
{
    void Write(CameraLogLevel level, string message);
}

/// <summary>Discards everything; the default when no log is given.</summary>
public sealed class NullCameraLog : ICameraLog
{
    public static NullCameraLog Instance { get; } = new();

    public void Write(CameraLogLevel level, string message) { }
}
