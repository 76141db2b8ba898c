using EdgeAgent.Agent.Cli;

namespace EdgeAgent.Agent.Tests.Cli;

/// <summary>Runs the edgeagent command line in-process and captures what it prints.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

public static class CliRunner
{
    public static CliResult Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CommandLine.Run(args, output, error);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Found on first use: the GPU machine runs the published tests with no repository around them.</summary>
    public static string RepositoryRoot => Root.Value;

    private static readonly Lazy<string> Root = new(FindRoot);

    public static string Model(string file)
    {
        string models = Environment.GetEnvironmentVariable("EDGEAGENT_TEST_MODELS") is { Length: > 0 } dir ? dir : Path.Combine(RepositoryRoot, ".cache", "models");
        string path = Path.Combine(models, file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: run ./scripts/fetch-models.sh");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EdgeAgent.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (EdgeAgent.sln) above the test binaries");
    }
}
