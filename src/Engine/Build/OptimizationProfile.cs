using EdgeAgent.Engine.Graph;

namespace EdgeAgent.Engine.Build;

/// <summary>The range of one input's shape an engine accepts: min, the shape it is tuned for (opt), and max, per dimension.</summary>
public sealed record ShapeRange(string Input, int[] Min, int[] Opt, int[] Max)
{
    public bool Contains(int[] shape) =>
        shape.Length == Min.Length && shape.Select((d, i) => d >= Min[i] && d <= Max[i]).All(x => x);

    public override string ToString() => $"{Input}: min {string.Join("x", Min)}, opt {string.Join("x", Opt)}, max {string.Join("x", Max)}";
}

/// <summary>
/// An optimization profile (TensorRT's term): a shape range for every dynamic input. An engine
/// with profiles runs any input shapes inside one of them, tuned for the profile's opt shapes.
/// </summary>
public sealed record OptimizationProfile(IReadOnlyList<ShapeRange> Inputs)
{
    public bool Contains(IReadOnlyDictionary<string, int[]> shapes) =>
        Inputs.All(r => shapes.TryGetValue(r.Input, out var s) && r.Contains(s));

    public Dictionary<string, TensorShape> OptShapes() => Inputs.ToDictionary(r => r.Input, r => TensorShape.Of(r.Opt));

    /// <summary>Checks min ≤ opt ≤ max with equal ranks; a clear error otherwise.</summary>
    public void Validate()
    {
        foreach (var r in Inputs)
        {
            if (r.Min.Length != r.Opt.Length || r.Opt.Length != r.Max.Length)
                throw new EngineUserException($"profile for '{r.Input}': min, opt and max must have the same rank ({r})");
            for (int i = 0; i < r.Min.Length; i++)
                if (r.Min[i] < 1 || r.Min[i] > r.Opt[i] || r.Opt[i] > r.Max[i])
                    throw new EngineUserException($"profile for '{r.Input}': dimension {i} needs 1 <= min <= opt <= max ({r})");
        }
    }

    public override string ToString() => string.Join("; ", Inputs);
}
