namespace EdgeAgent.Engine.Backends.Cuda.Interop;

/// <summary>
/// This machine cannot run the CUDA backend: no driver library, no GPU, or no NVRTC. A clean,
/// specific condition the agent falls back from (to the CPU backend) and the CLI reports in one line.
/// </summary>
public sealed class CudaUnavailableException(string message) : EngineUserException(message);

/// <summary>A CUDA driver or NVRTC call failed; carries the call and the library's error name.</summary>
public sealed class CudaException(string call, int code, string name) : Exception($"{call} failed: {name} ({code})")
{
    public string Call { get; } = call;
    public int Code { get; } = code;
    public string ErrorName { get; } = name;
}
