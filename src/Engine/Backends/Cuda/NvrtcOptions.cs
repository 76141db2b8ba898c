namespace EdgeAgent.Engine.Backends.Cuda;

/// <summary>
/// The NVRTC command line for a module: the GPU's own architecture (sm_90 on H100/H200, sm_87 on
/// Jetson Orin), C++17, and no fast-math, so results stay within float rounding of the reference.
/// Kernels include no toolkit headers, so no include path is needed.
/// </summary>
public static class NvrtcOptions
{
    public static IReadOnlyList<string> For(string architecture)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(architecture, "^sm_[0-9]{2,3}[a-z]?$"))
            throw new ArgumentException($"'{architecture}' is not a GPU architecture like sm_90");
        return [$"--gpu-architecture={architecture}", "--std=c++17"];
    }
}
