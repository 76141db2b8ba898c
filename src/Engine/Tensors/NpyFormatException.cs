namespace EdgeAgent.Engine.Tensors;

/// <summary>A .npy file that cannot be read: its message names the file and what is wrong with it.</summary>
public sealed class NpyFormatException : EngineUserException
{
    public NpyFormatException(string file, string problem) : base($"{file}: cannot read .npy file: {problem}")
    {
        File = file;
        Problem = problem;
    }

    /// <summary>The file (or stream description) that was being read.</summary>
    public string File { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
