using System.CommandLine;
using EdgeAgent.Engine;

namespace EdgeAgent.Agent.Cli;

/// <summary>
/// The <c>edgeagent</c> command tree and its error policy: a mistake the user can fix prints one
/// line and exits with 2; anything else is a bug, exits with 1, and shows the stack trace only
/// with --verbose.
/// </summary>
public static class CommandLine
{
    public const int UserError = 2;
    public const int Bug = 1;

    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Show details: stack traces on errors, per-step output",
        Recursive = true,
    };

    public static RootCommand Build(TextWriter output)
    {
        var root = new RootCommand("EdgeAgent: compile and run inference engines on edge devices, deployed over MQTT");
        root.Options.Add(Verbose);
        root.Subcommands.Add(EngineCommands.Build(output));
        root.Subcommands.Add(CameraCommands.Build(output));
        root.Subcommands.Add(DevicesCommand.Build(output));
        root.Subcommands.Add(ServiceCommand.Build());
        root.Subcommands.Add(FleetCommands.Build(output));
        root.Subcommands.Add(OcrCommand.Build(output));
        return root;
    }

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = Build(output);
        var parse = root.Parse(args);
        bool verbose = parse.GetValue(Verbose);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) error.WriteLine($"error: {e.Message}");
            error.WriteLine("run with --help for usage");
            return UserError;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = output, Error = error });
        }
        catch (Exception e) when (IsUserError(e))
        {
            error.WriteLine($"error: {e.Message}");
            if (verbose) error.WriteLine(e);
            return UserError;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("cancelled");
            return UserError;
        }
        catch (Exception e)
        {
            error.WriteLine($"internal error: {e.GetType().Name}: {e.Message}");
            error.WriteLine(verbose ? e.ToString() : "run with --verbose for the stack trace");
            return Bug;
        }
    }

    /// <summary>Errors the user can fix: bad files, shapes, URIs, a camera that sends nothing.</summary>
    private static bool IsUserError(Exception e) =>
        e is EngineUserException or CliUsageException or Fleet.FleetException or Camera.CameraConfigException or Camera.Sources.FrameSourceException
            or Hosting.AgentConfigException;
}

/// <summary>A command-line value that parses but makes no sense (bad --shape text, unreadable file).</summary>
public sealed class CliUsageException(string message) : Exception(message);
