using EdgeAgent.Engine.Graph;

namespace EdgeAgent.Engine.Passes;

/// <summary>What a pass works on, and the tally of what it rewrote.</summary>
public sealed class PassContext(Model model, IConstantEvaluator evaluator)
{
    private readonly Dictionary<string, int> _rewrites = new(StringComparer.Ordinal);

    public Model Model { get; } = model;
    public ModelGraph Graph => Model.Graph;
    public IConstantEvaluator Evaluator { get; } = evaluator;

    public IReadOnlyDictionary<string, int> Rewrites => _rewrites;
    public int RewriteCount => _rewrites.Values.Sum();

    public void Record(string pattern, int count = 1)
    {
        if (count > 0) _rewrites[pattern] = _rewrites.GetValueOrDefault(pattern) + count;
    }

    internal void Reset() => _rewrites.Clear();
}
