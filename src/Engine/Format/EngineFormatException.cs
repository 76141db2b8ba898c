namespace EdgeAgent.Engine.Format;

/// <summary>Why an engine file was refused; the agent acts on the kind (rebuild, re-download, reject).</summary>
public enum EngineLoadError
{
    NotAnEngine,
    Truncated,
    UnsupportedVersion,
    ChecksumMismatch,
    SignatureMissing,
    SignatureInvalid,
    FingerprintMismatch,
    Corrupt,
}

/// <summary>An engine file that cannot be used here, with the reason as a <see cref="EngineLoadError"/>.</summary>
public sealed class EngineFormatException(EngineLoadError kind, string message) : EngineUserException(message)
{
    public EngineLoadError Kind { get; } = kind;
}
