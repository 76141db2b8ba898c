using System.CommandLine;
using EdgeAgent.Agent.Fleet;
using Spectre.Console;

namespace EdgeAgent.Agent.Cli;

/// <summary>
/// <c>edgeagent fleet deploy|status|rollback|watch</c>: the operator's side of the MQTT contract.
/// Every subcommand takes the broker options defined here.
/// </summary>
public static class FleetCommands
{
    public const string BrokerVariable = "EDGEAGENT_BROKER";
    public const string PasswordVariable = "EDGEAGENT_BROKER_PASSWORD";

    internal static readonly Option<string?> Broker = new("--broker", "-b")
    {
        Description = $"Broker URI, mqtt://host[:1883] or mqtts://host[:8883] (default: ${BrokerVariable})",
        Recursive = true,
    };
    internal static readonly Option<string?> Username = new("--username") { Description = "Broker user name", Recursive = true };
    internal static readonly Option<string?> Password = new("--password")
    {
        Description = $"Broker password (prefer ${PasswordVariable}: command lines are visible to other users)",
        Recursive = true,
    };
    internal static readonly Option<string?> CaFile = new("--ca-file") { Description = "CA bundle that signed the broker's certificate (mqtts)", Recursive = true };
    internal static readonly Option<string?> CertFile = new("--cert-file") { Description = "Client certificate for mutual TLS", Recursive = true };
    internal static readonly Option<string?> KeyFile = new("--key-file") { Description = "Client key for mutual TLS", Recursive = true };
    internal static readonly Option<string> Prefix = new("--prefix")
    {
        Description = "Topic prefix the devices use",
        DefaultValueFactory = _ => Telemetry.Wire.TopicTree.DefaultPrefix,
        Recursive = true,
    };
    internal static readonly Option<double> ConnectTimeout = new("--connect-timeout")
    {
        Description = "Seconds to try reaching the broker",
        DefaultValueFactory = _ => 5,
        Recursive = true,
    };

    public static Command Build(TextWriter output)
    {
        var fleet = new Command("fleet", "Deploy to, query and watch devices over MQTT")
        {
            Broker, Username, Password, CaFile, CertFile, KeyFile, Prefix, ConnectTimeout,
        };
        fleet.Subcommands.Add(FleetDeployCommand.Build(output));
        fleet.Subcommands.Add(FleetStatusCommand.Build(output));
        fleet.Subcommands.Add(FleetRollbackCommand.Build(output));
        fleet.Subcommands.Add(FleetWatchCommand.Build(output));
        return fleet;
    }

    internal static FleetConnectionOptions Connection(ParseResult parse, TextWriter output)
    {
        string? broker = parse.GetValue(Broker) ?? Environment.GetEnvironmentVariable(BrokerVariable);
        if (string.IsNullOrWhiteSpace(broker)) throw new FleetException($"--broker is required (or set {BrokerVariable}), e.g. --broker mqtt://localhost:1883");
        double connectTimeout = parse.GetValue(ConnectTimeout);
        if (connectTimeout is <= 0 or > 600) throw new FleetException($"--connect-timeout must be between 0 and 600 seconds, got {connectTimeout}");
        bool verbose = parse.GetValue(CommandLine.Verbose);
        return new FleetConnectionOptions
        {
            Broker = broker,
            Username = parse.GetValue(Username),
            Password = parse.GetValue(Password) ?? Environment.GetEnvironmentVariable(PasswordVariable),
            CaFile = parse.GetValue(CaFile),
            CertFile = parse.GetValue(CertFile),
            KeyFile = parse.GetValue(KeyFile),
            Prefix = parse.GetValue(Prefix)!,
            ConnectTimeout = TimeSpan.FromSeconds(connectTimeout),
            Log = verbose ? line => output.WriteLine("mqtt: " + line) : null,
        };
    }

    internal static TimeSpan Seconds(ParseResult parse, Option<double> option, double max = 7 * 24 * 3600)
    {
        double value = parse.GetValue(option);
        if (!(value > 0 && value <= max)) throw new FleetException($"{option.Name} must be between 0 and {max} seconds, got {value}");
        return TimeSpan.FromSeconds(value);
    }

    /// <summary>A live display only on a real terminal: redrawn bars and tables would garble logs and pipes.</summary>
    internal static bool IsTerminal(TextWriter output) => ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected;

    internal static IAnsiConsole CreateConsole(TextWriter output, bool live)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = live ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = live ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = live ? InteractionSupport.Yes : InteractionSupport.No,
        });
        // Written to a file or pipe, a table should not wrap at an assumed 80 columns.
        if (!live) console.Profile.Width = 200;
        return console;
    }
}
