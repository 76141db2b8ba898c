namespace EdgeAgent.Agent.Deployment;

/// <summary>
/// Where a deployment is, in the order they happen. The first five are in flight; the last
/// three are final. Modelled on Mender's client: Download → Install → Commit | Rollback | Failure.
/// </summary>
public enum DeploymentState
{
    Accepted,
    Downloading,
    Building,
    Validating,
    Activating,
    Probation,
    Committed,
    RolledBack,
    Failed,
}

/// <summary>What a restarted agent does with a deployment it finds in flight.</summary>
public enum ResumeAction
{
    /// <summary>Final already: nothing to do.</summary>
    None,
    /// <summary>Ask for the chunks still missing (or fetch the URL again) and go on.</summary>
    ResumeDownload,
    /// <summary>The artifact is stored; building or validating starts over from it.</summary>
    RestartFromArtifact,
    /// <summary>The new engine may be active but was never committed: go back to the previous one.</summary>
    RollBack,
}

public static class DeploymentStates
{
    public static bool IsFinal(this DeploymentState state) =>
        state is DeploymentState.Committed or DeploymentState.RolledBack or DeploymentState.Failed;

    /// <summary>
    /// The recovery rule: nothing before activation touched the live engine, so it can simply be
    /// redone; anything from activation on is rolled back, because only a commit after a
    /// passed probation makes a new engine permanent.
    /// </summary>
    public static ResumeAction OnRestart(this DeploymentState state) => state switch
    {
        DeploymentState.Accepted or DeploymentState.Downloading => ResumeAction.ResumeDownload,
        DeploymentState.Building or DeploymentState.Validating => ResumeAction.RestartFromArtifact,
        DeploymentState.Activating or DeploymentState.Probation => ResumeAction.RollBack,
        _ => ResumeAction.None,
    };

    /// <summary>Whether <paramref name="to"/> may follow <paramref name="from"/>.</summary>
    public static bool CanMove(DeploymentState from, DeploymentState to) => (from, to) switch
    {
        _ when from.IsFinal() => false,
        (_, DeploymentState.Failed) => true,
        (DeploymentState.Accepted, DeploymentState.Downloading) => true,
        (DeploymentState.Downloading, DeploymentState.Building or DeploymentState.Validating) => true,
        (DeploymentState.Building, DeploymentState.Validating) => true,
        (DeploymentState.Validating, DeploymentState.Activating) => true,
        (DeploymentState.Activating, DeploymentState.Probation or DeploymentState.RolledBack) => true,
        (DeploymentState.Probation, DeploymentState.Committed or DeploymentState.RolledBack) => true,
        _ => false,
    };
}
