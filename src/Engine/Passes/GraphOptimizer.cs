using EdgeAgent.Engine.Graph;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// Runs the pass pipeline to a fixed point: every pass in order, repeated while any of them
/// rewrote something (at most <see cref="MaxIterations"/> times). After each pass that changed
/// the graph, unused values are pruned, nodes re-sorted and shapes re-inferred, so the next
/// pass sees a consistent graph.
/// </summary>
public sealed class GraphOptimizer
{
    public const int MaxIterations = 8;

    private readonly IReadOnlyList<IGraphPass> _passes;
    private readonly IConstantEvaluator _evaluator;

    public GraphOptimizer(IConstantEvaluator evaluator, IReadOnlyList<IGraphPass>? passes = null)
    {
        _evaluator = evaluator;
        _passes = passes ?? DefaultPasses();
    }

    public static IReadOnlyList<IGraphPass> DefaultPasses() =>
    [
        new ConstantFolding(),
        new IdentityElimination(),
        new CommonSubexpressionElimination(),
        new TransposeReshapeCancellation(),
        new LayerNormFusion(),
        new MatMulAddFusion(),
        new ActivationRecognition(),
        new BatchNormFolding(),
        new ChannelAffineFolding(),
        new ConvCanonicalization(),
        new ActivationFusion(),
        new ResidualFusion(),
        new PostAffineFusion(),
        new HorizontalFusion(),
        new DeadCodeElimination(),
        new ConcatPlanning(),
    ];

    /// <summary>Optimizes <paramref name="model"/> in place. Shapes must have been inferred.</summary>
    public OptimizationReport Optimize(Model model, CancellationToken cancellationToken = default)
    {
        var before = OpCounts(model.Graph);
        var totals = _passes.ToDictionary(p => p.Name, _ => new Dictionary<string, int>());
        var firstBefore = new Dictionary<string, int>();
        var removed = _passes.ToDictionary(p => p.Name, _ => 0);
        int iterations = 0;
        bool changed = true;
        while (changed && iterations < MaxIterations)
        {
            changed = false;
            iterations++;
            foreach (var pass in _passes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var context = new PassContext(model, _evaluator);
                int nodesBefore = model.Graph.Nodes.Count;
                firstBefore.TryAdd(pass.Name, nodesBefore);
                pass.Run(context);
                if (context.RewriteCount > 0)
                {
                    changed = true;
                    Settle(model);
                    foreach (var (pattern, count) in context.Rewrites)
                        totals[pass.Name][pattern] = totals[pass.Name].GetValueOrDefault(pattern) + count;
                }
                removed[pass.Name] += nodesBefore - model.Graph.Nodes.Count;
            }
        }
        var reports = _passes.Select(p => new PassReport(p.Name, firstBefore[p.Name], firstBefore[p.Name] - removed[p.Name], totals[p.Name])).ToList();
        return new OptimizationReport(reports, iterations, before, OpCounts(model.Graph));
    }

    private void Settle(Model model)
    {
        var graph = model.Graph;
        graph.RebuildLinks();
        graph.RemoveUnusedValues();
        graph.Sort();
        ShapeInference.Run(model, null, _evaluator);
    }

    public static Dictionary<string, int> OpCounts(ModelGraph graph) =>
        graph.Nodes.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
}
