using System.Security.Cryptography;
using System.Text;
using EdgeAgent.Agent.Store;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Agent.Deployment;

/// <summary>
/// The final reply of every command that has no deployment record (rollback, rebuild, set
/// config, rejected deploys), kept on disk by command id. A command delivered twice (QoS 1, or
/// resent by an impatient operator) is answered with the stored reply instead of running again.
/// </summary>
public sealed class CommandLedger
{
    private readonly string _directory;

    public CommandLedger(string directory)
    {
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
    }

    // Command ids are free text from the network: hashing them makes a safe, fixed-length file name.
    private string PathOf(string commandId) =>
        Path.Combine(_directory, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(commandId)))[..32].ToLowerInvariant() + ".reply");

    public Reply? Find(string commandId)
    {
        string path = PathOf(commandId);
        if (!File.Exists(path)) return null;
        try
        {
            return Reply.Parser.ParseFrom(File.ReadAllBytes(path));
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return null; // a torn write: the command runs again, which is what an unrecorded command does anyway
        }
    }

    /// <summary>Forgets all but the newest <paramref name="keep"/> replies (a fleet repeats a command within hours, not years).</summary>
    public int Prune(int keep = 10_000)
    {
        var files = new DirectoryInfo(_directory).GetFiles("*.reply").OrderByDescending(f => f.LastWriteTimeUtc).Skip(keep).ToList();
        foreach (var file in files) file.Delete();
        return files.Count;
    }

    public void Record(Reply reply)
    {
        var copy = reply.Clone();
        copy.Header = null;
        DurableFile.WriteAllBytes(PathOf(reply.CommandId), Google.Protobuf.MessageExtensions.ToByteArray(copy));
    }
}
