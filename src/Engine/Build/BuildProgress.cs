namespace EdgeAgent.Engine.Build;

/// <summary>Where a build is: the step, how far along it (Done of Total), and what it is doing now.</summary>
public sealed record BuildProgress(string Step, int Done, int Total, string Detail = "");
