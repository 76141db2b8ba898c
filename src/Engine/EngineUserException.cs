namespace EdgeAgent.Engine;

/// <summary>
/// An error the user can cause and fix (a bad file, a wrong shape, an unsupported op), as
/// opposed to a bug. The CLI prints its message as one line and exits with code 2, so the
/// message must name the thing at fault and the problem without needing a stack trace.
/// </summary>
public class EngineUserException : Exception
{
    public EngineUserException(string message) : base(message) { }

    public EngineUserException(string message, Exception inner) : base(message, inner) { }
}
