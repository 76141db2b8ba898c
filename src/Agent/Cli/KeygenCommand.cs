using System.CommandLine;
using EdgeAgent.Engine.Format;

namespace EdgeAgent.Agent.Cli;

/// <summary><c>edgeagent engine keygen --out K</c>: a P-256 key pair for signing engines (K, K.pub).</summary>
public static class KeygenCommand
{
    public static Command Build(TextWriter output)
    {
        var outPath = new Option<string>("--out", "-o") { Description = "Private key file to write (the public key goes to FILE.pub)", Required = true };
        var force = new Option<bool>("--force") { Description = "Overwrite existing key files" };
        var command = new Command("keygen", "Write an ECDSA P-256 key pair for signing engines") { outPath, force };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(outPath)!;
            if (!parse.GetValue(force) && (File.Exists(path) || File.Exists(path + ".pub")))
                throw new CliUsageException($"'{path}' or '{path}.pub' already exists; pass --force to overwrite");
            var (privatePath, publicPath) = SigningKeys.Generate(path);
            output.WriteLine($"private key {privatePath} (keep it secret: it signs engines for the fleet)");
            output.WriteLine($"public key  {publicPath} (configure devices with it)");
            return 0;
        });
        return command;
    }
}
