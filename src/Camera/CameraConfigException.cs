namespace EdgeAgent.Camera;

/// <summary>
/// A configuration error the user can fix: a malformed source URI, bad serial settings,
/// an invalid result template or pre-processing description. The CLI maps it to exit code 2,
/// so the message must name the offending value and say what is accepted.
/// </summary>
public sealed class CameraConfigException : Exception
{
    public CameraConfigException(string message) : base(message) { }

    public CameraConfigException(string message, Exception inner) : base(message, inner) { }
}
