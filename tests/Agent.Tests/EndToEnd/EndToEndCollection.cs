namespace EdgeAgent.Agent.Tests.EndToEnd;

/// <summary>
/// End-to-end tests run one at a time: each starts a broker and an agent process, and latency
/// verdicts (probation) must not depend on how many other agents share the two cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EndToEndCollection
{
    public const string Name = "end-to-end";
}
