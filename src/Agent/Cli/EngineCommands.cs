using System.CommandLine;
using EdgeAgent.Engine.Zoo;

namespace EdgeAgent.Agent.Cli;

/// <summary><c>edgeagent engine ...</c>: run, inspect and generate models.</summary>
public static class EngineCommands
{
    public static Command Build(TextWriter output)
    {
        var engine = new Command("engine", "Build, run, inspect and benchmark inference engines");
        engine.Subcommands.Add(BuildCommand.Build(output));
        engine.Subcommands.Add(RunCommand.Build(output));
        engine.Subcommands.Add(InspectCommand.Build(output));
        engine.Subcommands.Add(ZooCommand(output));
        engine.Subcommands.Add(OptimizeCommand.Build(output));
        engine.Subcommands.Add(BenchCommand.Build(output));
        engine.Subcommands.Add(CompareCommand.Build(output));
        engine.Subcommands.Add(KeygenCommand.Build(output));
        return engine;
    }

    private static Command ZooCommand(TextWriter output)
    {
        var outDir = new Option<string>("--out") { Description = "Folder for the generated .onnx files", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed for the random weights", DefaultValueFactory = _ => 1234 };
        var command = new Command("zoo", $"Write generated models with random weights ({string.Join(", ", ModelZoo.Names)})") { outDir, seed };
        command.SetAction(parse =>
        {
            foreach (var path in ModelZoo.WriteAll(parse.GetValue(outDir)!, parse.GetValue(seed)))
                output.WriteLine($"{path} ({new FileInfo(path).Length / 1048576.0:F1} MiB)");
            return 0;
        });
        return command;
    }
}
