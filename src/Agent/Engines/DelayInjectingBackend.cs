using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Agent.Engines;

/// <summary>
/// Wraps a backend so every compiled layer sleeps a fixed time after running: a deliberately
/// slow engine with correct outputs, for rehearsing the latency rollback of a probation. Only
/// used when the configuration allows it and the model asks for it
/// (<see cref="EngineFactory.DelayMetadataKey"/>); the live engines of a normal device never see it.
/// </summary>
public sealed class DelayInjectingBackend(IBackend inner, TimeSpan perLayer) : IBackend
{
    public string Name => inner.Name;
    public DeviceFingerprint Fingerprint => inner.Fingerprint;
    public int MaxThreads => inner.MaxThreads;
    public TimeSpan PerLayer => perLayer;

    public bool Supports(Node node) => inner.Supports(node);
    public IReadOnlyList<Tactic> Tactics(LayerSpec layer) => inner.Tactics(layer);
    public long WorkspaceBytes(LayerSpec layer, Tactic tactic) => inner.WorkspaceBytes(layer, tactic);
    public bool CanRunInPlace(Node node, int input) => inner.CanRunInPlace(node, input);
    public bool IsView(Node node) => inner.IsView(node);
    public ICompiledLayer Compile(LayerSpec layer, Tactic tactic) => new DelayedLayer(inner.Compile(layer, tactic), perLayer);

    private sealed class DelayedLayer(ICompiledLayer layer, TimeSpan delay) : ICompiledLayer
    {
        public void Execute(in ExecutionState state)
        {
            layer.Execute(state);
            Thread.Sleep(delay);
        }
    }
}
