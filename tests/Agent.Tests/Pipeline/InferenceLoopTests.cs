using EdgeAgent.Agent.Pipeline;
using EdgeAgent.Agent.Tests.Cli;
using EdgeAgent.Camera.Capture;
using EdgeAgent.Camera.Processing.Pre;
using EdgeAgent.Camera.Sources;
using EdgeAgent.Engine.Backends.Cpu;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Graph;

namespace EdgeAgent.Agent.Tests.Pipeline;

/// <summary>The live loop on a synthetic camera and the real PP-OCR direction classifier, with an engine swap mid-stream.</summary>
public sealed class InferenceLoopTests
{
    private static readonly PreprocessConfig Classifier = new()
    {
        Width = 192, Height = 48, Resize = ResizeMode.Stretch, Mean = [0.5f, 0.5f, 0.5f], Std = [0.5f, 0.5f, 0.5f],
    };

    private static LoadedEngine Load(string version)
    {
        var (engine, _) = EngineBuilder.Build(CliRunner.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx"), new BuilderConfig { Backend = new CpuBackend(1) },
            new Dictionary<string, TensorShape> { ["x"] = TensorShape.Of(1, 3, 48, 192) });
        return new LoadedEngine(version, engine, Classifier, threads: 1);
    }

    [Fact]
    public async Task SwappingEnginesMidStreamDropsNoFrameAndLeavesNoGap()
    {
        const int frames = 60;
        var spec = (SyntheticSourceSpec)FrameSourceUri.Parse("synthetic:320x96@60") with { FrameCount = frames };
        var source = new FrameSourceFactory().Create(spec);
        await using var capture = await FrameCapture.StartAsync(source, ringCapacity: frames);
        using var slot = new EngineSlot();
        var first = Load("v1");
        slot.Swap(first);
        var second = Load("v2");
        var loop = new InferenceLoop(capture.Ring, slot);
        var results = new List<FrameResult>();
        var probabilities = new List<float>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await loop.RunAsync(
            (engine, context, frame) => probabilities.Add(context.Output<float>(0)[0]),
            result =>
            {
                results.Add(result);
                if (results.Count == frames / 2) slot.Swap(second); // from the loop's own callback: between two frames
            },
            timeout.Token);

        Assert.Equal(Enumerable.Range(0, frames).Select(i => (long)i), results.Select(r => r.FrameId));
        Assert.Equal(0, capture.Ring.Counters.Dropped);
        Assert.All(results.Take(frames / 2), r => Assert.Equal("v1", r.EngineVersion));
        Assert.All(results.Skip(frames / 2), r => Assert.Equal("v2", r.EngineVersion));
        Assert.All(probabilities, p => Assert.InRange(p, 0f, 1f));
        Assert.Throws<ObjectDisposedException>(() => first.Context.Execute()); // retired and released
        Assert.Equal(frames, loop.Processed);
    }

    [Fact]
    public void AnEngineThatDoesNotFitThePreprocessingIsRefused()
    {
        var (engine, _) = EngineBuilder.Build(CliRunner.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx"), new BuilderConfig { Backend = new CpuBackend(1) },
            new Dictionary<string, TensorShape> { ["x"] = TensorShape.Of(1, 3, 48, 160) });
        var e = Assert.Throws<ArgumentException>(() => new LoadedEngine("v", engine, Classifier));
        Assert.Contains("1x3x48x160", e.Message);
    }

    [Fact]
    public void AnEmptySlotHandsOutNoEngine()
    {
        using var slot = new EngineSlot();
        Assert.Null(slot.Acquire());
    }
}
