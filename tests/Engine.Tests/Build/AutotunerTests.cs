using EdgeAgent.Engine.Backends.Cpu;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Tests.Build;

/// <summary>
/// The autotuner with a backend that times layers itself (as the GPU backend does) and a fake
/// clock: it must keep the fastest tactic, time no more than the backend allows, and answer a
/// repeated layer from the timing cache.
/// </summary>
public sealed class AutotunerTests
{
    private sealed class TimedBackend(IReadOnlyDictionary<string, double> seconds, int maxTimed) : IBackend, ILayerTimer
    {
        private readonly CpuBackend _cpu = new(1);
        public List<string> Timed { get; } = [];
        public string Name => "timed";
        public DeviceFingerprint Fingerprint { get; } = new("timed", "fake device", "fake", [], new Dictionary<string, string>());
        public int MaxThreads => 1;
        public int MaxTacticsTimed => maxTimed;
        public bool Supports(Node node) => true;
        public IReadOnlyList<Tactic> Tactics(LayerSpec layer) => seconds.Keys.Select(Tactic.Default).ToList();
        public long WorkspaceBytes(LayerSpec layer, Tactic tactic) => 0;
        public bool CanRunInPlace(Node node, int input) => false;
        public bool IsView(Node node) => false;
        public ICompiledLayer Compile(LayerSpec layer, Tactic tactic) => _cpu.Compile(layer, Tactic.Default("default"));

        public double TimeLayer(LayerSpec placed, long arenaBytes, Tactic tactic, int runs)
        {
            Assert.True(arenaBytes >= placed.Outputs.Sum(o => o.Bytes), "the scratch arena holds the layer's tensors");
            Assert.All(placed.Outputs, o => Assert.True(o.Offset >= 0));
            Timed.Add(tactic.Name);
            return seconds[tactic.Name];
        }
    }

    private static LayerSpec ReluLayer()
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 8).Output("y", DataType.Float32);
        b.Node("Relu", "r", ["x"], ["y"]);
        var model = OnnxImporter.FromBytes(b.ToBytes(), null, "t");
        ShapeInference.Run(model);
        var node = model.Graph.Nodes[0];
        TensorSlot Slot(Value v) => new(v.Name, v.Type, v.Shape!.ToInts(), TensorSlot.NotPlaced, null);
        return new LayerSpec(node, [Slot(node.Inputs[0]!)], [Slot(node.Outputs[0])]);
    }

    [Fact]
    public void TheFastestMeasuredTacticWinsAndIsCached()
    {
        var backend = new TimedBackend(new Dictionary<string, double> { ["a"] = 3e-6, ["b"] = 1e-6, ["c"] = 2e-6 }, maxTimed: 8);
        var cache = TimingCache.Load(null);
        var tuner = new Autotuner(cache, 1);
        var layer = ReluLayer();
        Assert.Equal("b", tuner.Choose(backend, layer, backend.Tactics(layer)).Name);
        Assert.Equal(["a", "b", "c"], backend.Timed);
        Assert.True(cache.TryGet(backend.Fingerprint, Autotuner.Signature(layer), out var cached));
        Assert.Equal("b", cached);

        backend.Timed.Clear();
        Assert.Equal("b", tuner.Choose(backend, layer, backend.Tactics(layer)).Name);
        Assert.Empty(backend.Timed);
        Assert.Equal((1, 1), (tuner.TimedLayers, tuner.CachedLayers));
    }

    [Fact]
    public void OnlyAsManyTacticsAsTheBackendAllowsAreTimed()
    {
        var backend = new TimedBackend(new Dictionary<string, double> { ["a"] = 3e-6, ["b"] = 2e-6, ["c"] = 1e-6 }, maxTimed: 2);
        var layer = ReluLayer();
        Assert.Equal("b", new Autotuner(TimingCache.Load(null), 1).Choose(backend, layer, backend.Tactics(layer)).Name);
        Assert.Equal(["a", "b"], backend.Timed);
    }
}
