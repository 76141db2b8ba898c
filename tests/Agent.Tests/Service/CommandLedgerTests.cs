using EdgeAgent.Agent.Deployment;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Agent.Tests.Service;

public sealed class CommandLedgerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeagent-ledger-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AReplyIsFoundByItsCommandIdAcrossInstancesWithoutItsHeader()
    {
        new CommandLedger(_dir).Record(new Reply { CommandId = "a/../b 7", State = CommandState.Rejected, Reason = "why", Header = new Header { Seq = 9 } });
        var found = new CommandLedger(_dir).Find("a/../b 7");
        Assert.NotNull(found);
        Assert.Equal("why", found.Reason);
        Assert.Null(found.Header); // restamped when sent again
        Assert.Null(new CommandLedger(_dir).Find("other"));
        Assert.Single(Directory.GetFiles(_dir)); // the id with slashes became a plain file name
    }

    [Fact]
    public void PruningKeepsTheNewest()
    {
        var ledger = new CommandLedger(_dir);
        for (int i = 0; i < 5; i++)
        {
            var before = Directory.GetFiles(_dir).ToHashSet();
            ledger.Record(new Reply { CommandId = $"c{i}", State = CommandState.Completed });
            string added = Directory.GetFiles(_dir).Single(f => !before.Contains(f));
            File.SetLastWriteTimeUtc(added, DateTime.UtcNow.AddMinutes(i - 10)); // c4 newest
        }
        Assert.Equal(3, ledger.Prune(keep: 2));
        Assert.NotNull(ledger.Find("c4"));
        Assert.NotNull(ledger.Find("c3"));
        Assert.Null(ledger.Find("c2"));
        Assert.Null(ledger.Find("c0"));
    }
}
