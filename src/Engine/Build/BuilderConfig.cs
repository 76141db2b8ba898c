using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Build;

/// <summary>How to build an engine: which backend, which graph rewrites, which tactic chooser.</summary>
public sealed record BuilderConfig
{
    public required IBackend Backend { get; init; }
    /// <summary>Run the graph optimizer first (on by default; off compares the plain graph).</summary>
    public bool Optimize { get; init; } = true;
    public ITacticSelector? TacticSelector { get; init; }
}
