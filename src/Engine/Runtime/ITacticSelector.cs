namespace EdgeAgent.Engine.Runtime;

/// <summary>Picks one tactic per layer while an engine is compiled (the builder's autotuner times them).</summary>
public interface ITacticSelector
{
    Tactic Choose(IBackend backend, LayerSpec layer, IReadOnlyList<Tactic> tactics);
}

/// <summary>Takes the backend's first (preferred) tactic without timing anything.</summary>
public sealed class FirstTacticSelector : ITacticSelector
{
    public Tactic Choose(IBackend backend, LayerSpec layer, IReadOnlyList<Tactic> tactics) => tactics[0];
}
