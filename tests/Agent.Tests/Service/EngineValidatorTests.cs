using EdgeAgent.Agent.Deployment;
using EdgeAgent.Agent.Engines;
using EdgeAgent.Agent.Hosting;
using EdgeAgent.Agent.Service;
using EdgeAgent.Agent.Tests.Cli;
using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Processing.Pre;

namespace EdgeAgent.Agent.Tests.Service;

/// <summary>Validation of a candidate engine on golden frames, with the real PP-OCR classifier.</summary>
public sealed class EngineValidatorTests
{
    private static readonly PreprocessConfig Preprocess = new()
    {
        Width = 192, Height = 48, Resize = ResizeMode.Stretch, Mean = [0.5f, 0.5f, 0.5f], Std = [0.5f, 0.5f, 0.5f],
    };

    private static readonly EngineFactory Factory = new(new EngineSection { Threads = 1, AllowDelayInjection = true }, Preprocess);

    private static IReadOnlyList<GoldenFrame> Frames(int count)
    {
        var random = new Random(11);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var pixels = new byte[320 * 96 * 3];
            random.NextBytes(pixels);
            return new GoldenFrame(pixels, new FrameGeometry(320, 96, PixelFormat.Rgb24));
        }).ToList();
    }

    private static EdgeAgent.Agent.Pipeline.LoadedEngine Candidate(string? onnx = null) =>
        Factory.Load("cls", "2", "x", Factory.Build(onnx ?? CliRunner.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx"), EngineFactory.Cpu(1), false, null, CancellationToken.None).Engine);

    [Fact]
    public void TheSameModelAgreesWithTheCurrentEngineAndFitsABudget()
    {
        using var candidate = Candidate();
        var current = Factory.Build(CliRunner.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx"), EngineFactory.Cpu(1), false, null, CancellationToken.None).Engine;
        var outcome = EngineValidator.Validate(candidate, current, Preprocess, Frames(4), new ValidationRules(4, 0.999, 1000), CancellationToken.None);
        Assert.True(outcome.Passed, outcome.Reason);
        Assert.Equal(4, outcome.Frames);
        Assert.True(outcome.MinCosine > 0.9999);
    }

    [Fact]
    public void ACandidateOverTheLatencyBudgetIsRefusedWithItsP99()
    {
        string dir = Directory.CreateTempSubdirectory("edgeagent-validate-").FullName;
        try
        {
            string slow = Path.Combine(dir, "slow.onnx");
            File.WriteAllBytes(slow, EndToEnd.Artifacts.WithMetadata(CliRunner.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx"), EngineFactory.DelayMetadataKey, "2"));
            using var candidate = Candidate(slow);
            var outcome = EngineValidator.Validate(candidate, null, Preprocess, Frames(2), new ValidationRules(2, 0, 5), CancellationToken.None);
            Assert.False(outcome.Passed);
            Assert.Contains("exceeds the 5 ms budget", outcome.Reason);
            Assert.True(outcome.P99Ms > 5);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void WithoutCameraFramesAGrayPictureStillProvesTheEngineRuns()
    {
        using var candidate = Candidate();
        var outcome = EngineValidator.Validate(candidate, null, Preprocess, [], new ValidationRules(8, 0.99, 0), CancellationToken.None);
        Assert.True(outcome.Passed, outcome.Reason);
        Assert.Equal(1, outcome.Frames);
        Assert.Null(outcome.MinCosine); // nothing to compare with
    }
}
