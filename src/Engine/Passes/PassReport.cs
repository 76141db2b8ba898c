namespace EdgeAgent.Engine.Passes;

/// <summary>What one pass did over the whole optimization: node counts and rewrites by pattern.</summary>
public sealed record PassReport(string Pass, int NodesBefore, int NodesAfter, IReadOnlyDictionary<string, int> Rewrites)
{
    public int RewriteCount => Rewrites.Values.Sum();
}

/// <summary>The whole optimization: one report per pass (summed over iterations), and the op counts before and after.</summary>
public sealed record OptimizationReport(
    IReadOnlyList<PassReport> Passes, int Iterations,
    IReadOnlyDictionary<string, int> OpsBefore, IReadOnlyDictionary<string, int> OpsAfter)
{
    public int NodesBefore => OpsBefore.Values.Sum();
    public int NodesAfter => OpsAfter.Values.Sum();

    public void WriteTo(TextWriter output)
    {
        output.WriteLine($"optimized {NodesBefore} nodes to {NodesAfter} in {Iterations} iteration{(Iterations == 1 ? "" : "s")}");
        foreach (var pass in Passes)
        {
            output.WriteLine($"  {pass.Pass,-34} {pass.NodesBefore,5} -> {pass.NodesAfter,-5} {pass.RewriteCount,4} rewrite{(pass.RewriteCount == 1 ? "" : "s")}");
            foreach (var (pattern, count) in pass.Rewrites.OrderByDescending(r => r.Value).ThenBy(r => r.Key))
                output.WriteLine($"      {count,4} x {pattern}");
        }
        output.WriteLine("  ops after:");
        foreach (var (op, count) in OpsAfter.OrderByDescending(o => o.Value).ThenBy(o => o.Key))
            output.WriteLine($"      {count,4} {op}{(OpsBefore.GetValueOrDefault(op) is var b && b != count ? $" (was {b})" : "")}");
    }
}
