using EdgeAgent.Agent.Deployment;

namespace EdgeAgent.Agent.Tests.Deployment;

public sealed class DeploymentJournalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeagent-journal-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static DeploymentRecord Record(string id) => new() { CommandId = id, ModelId = "det", Version = "1.1", ArtifactSha256 = new string('b', 64) };

    [Fact]
    public void TheHappyPathIsPersistedStepByStep()
    {
        var journal = new DeploymentJournal(_dir);
        journal.Begin(Record("cmd-1"));
        foreach (var state in new[] { DeploymentState.Downloading, DeploymentState.Building, DeploymentState.Validating, DeploymentState.Activating, DeploymentState.Probation })
            journal.Move("cmd-1", state, previousVersion: state == DeploymentState.Activating ? "1.0" : null);
        var reopened = new DeploymentJournal(_dir);
        var record = reopened.Find("cmd-1")!;
        Assert.Equal(DeploymentState.Probation, record.State);
        Assert.Equal("1.0", record.PreviousVersion);
        Assert.NotNull(record.ProbationStartedAt);
        Assert.Single(reopened.Unfinished().Records);
        reopened.Move("cmd-1", DeploymentState.Committed);
        Assert.Empty(reopened.Unfinished().Records);
    }

    [Fact]
    public void ARepeatedCommandFindsItsRecord()
    {
        var journal = new DeploymentJournal(_dir);
        journal.Begin(Record("cmd-2"));
        journal.Move("cmd-2", DeploymentState.Downloading);
        var again = journal.Begin(Record("cmd-2"));
        Assert.Equal(DeploymentState.Downloading, again.State);
    }

    [Theory]
    [InlineData(DeploymentState.Accepted, DeploymentState.Probation)]
    [InlineData(DeploymentState.Downloading, DeploymentState.Committed)]
    [InlineData(DeploymentState.Validating, DeploymentState.Committed)]
    [InlineData(DeploymentState.Committed, DeploymentState.RolledBack)]
    [InlineData(DeploymentState.Failed, DeploymentState.Downloading)]
    public void IllegalMovesAreRefused(DeploymentState from, DeploymentState to) => Assert.False(DeploymentStates.CanMove(from, to));

    [Theory]
    [InlineData(DeploymentState.Accepted, ResumeAction.ResumeDownload)]
    [InlineData(DeploymentState.Downloading, ResumeAction.ResumeDownload)]
    [InlineData(DeploymentState.Building, ResumeAction.RestartFromArtifact)]
    [InlineData(DeploymentState.Validating, ResumeAction.RestartFromArtifact)]
    [InlineData(DeploymentState.Activating, ResumeAction.RollBack)]
    [InlineData(DeploymentState.Probation, ResumeAction.RollBack)]
    [InlineData(DeploymentState.Committed, ResumeAction.None)]
    [InlineData(DeploymentState.RolledBack, ResumeAction.None)]
    [InlineData(DeploymentState.Failed, ResumeAction.None)]
    public void EveryStateHasARestartRule(DeploymentState state, ResumeAction action) => Assert.Equal(action, state.OnRestart());

    [Fact]
    public void EveryInFlightStateCanFail()
    {
        foreach (var state in Enum.GetValues<DeploymentState>().Where(s => !s.IsFinal()))
            Assert.True(DeploymentStates.CanMove(state, DeploymentState.Failed), state.ToString());
    }

    [Fact]
    public void DamagedRecordsAreReportedNotFatal()
    {
        var journal = new DeploymentJournal(_dir);
        journal.Begin(Record("ok"));
        File.WriteAllText(Path.Combine(_dir, "broken.json"), "{ \"CommandId\": ");
        var (records, damaged) = journal.Unfinished();
        Assert.Single(records);
        Assert.Single(damaged);
        Assert.Contains("broken.json", damaged[0]);
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    public void UnsafeCommandIdsAreRefused(string id) =>
        Assert.Throws<DeploymentException>(() => new DeploymentJournal(_dir).Begin(Record(id)));
}
