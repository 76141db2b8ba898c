using EdgeAgent.Agent.Cli;

namespace EdgeAgent.Agent;

public static class Program
{
    public static int Main(string[] args) => CommandLine.Run(args, Console.Out, Console.Error);
}
