using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Agent.Cli;

namespace EdgeAgent.Agent.Tests.Cli;

public sealed class EngineCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeagent-cli-").FullName;
    private static string Classifier => CliRunner.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx");
    private static string Detector => CliRunner.Model("ch_PP-OCRv4_det_infer.onnx");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Path(string name) => System.IO.Path.Combine(_dir, name);

    private static void AssertUserError(CliResult r, string expected)
    {
        Assert.Equal(CommandLine.UserError, r.ExitCode);
        Assert.Single(r.ErrorLines);
        Assert.StartsWith("error: ", r.Error);
        Assert.Contains(expected, r.Error);
        Assert.DoesNotContain("   at ", r.Error);
    }

    private static Tensor RunReference(string model, string inputName, Tensor input)
    {
        var m = OnnxImporter.Load(model);
        ShapeInference.Run(m, new Dictionary<string, TensorShape> { [inputName] = TensorShape.Of(input.Shape) }, new ReferenceConstantEvaluator());
        return new ReferenceExecutor(m).Run(new Dictionary<string, Tensor> { [inputName] = input }).Values.Single();
    }

    [Fact]
    public void RunWithAnInputFileWritesTheReferenceOutput()
    {
        var random = new Random(11);
        var input = Tensor.FromFloats(Enumerable.Range(0, 3 * 48 * 192).Select(_ => (float)random.NextDouble()).ToArray(), 1, 3, 48, 192);
        NpyFile.Write(Path("x.npy"), input);
        var r = CliRunner.Run("engine", "run", "--model", Classifier, "--input", $"x={Path("x.npy")}", "--output-dir", Path("out"));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("softmax_0.tmp_0: float32[1x2]", r.Output);
        Assert.Contains("ms", r.Output);
        var written = NpyFile.Read(Path("out/softmax_0.tmp_0.npy"));
        Assert.Equal(RunReference(Classifier, "x", input).Floats, written.Floats);
    }

    [Fact]
    public void RunWithoutInputUsesASeededRandomInputOfTheGivenShape()
    {
        var r1 = CliRunner.Run("engine", "run", "-m", Classifier, "--shape", "x:1x3x48x192", "--seed", "5", "-o", Path("a"));
        var r2 = CliRunner.Run("engine", "run", "-m", Classifier, "--shape", "x:1x3x48x192", "--seed", "5", "-o", Path("b"));
        var r3 = CliRunner.Run("engine", "run", "-m", Classifier, "--shape", "x:1x3x48x192", "--seed", "6", "-o", Path("c"));
        Assert.Equal(0, r1.ExitCode);
        Assert.Contains("seed 5", r1.Output);
        var a = NpyFile.Read(Path("a/softmax_0.tmp_0.npy")).Floats;
        Assert.Equal(a, NpyFile.Read(Path("b/softmax_0.tmp_0.npy")).Floats);
        Assert.NotEqual(a, NpyFile.Read(Path("c/softmax_0.tmp_0.npy")).Floats);
        Assert.Equal(1f, a.Sum(), 4);
    }

    [Fact]
    public void DynamicInputWithoutShapeSaysHowToGiveOne() =>
        AssertUserError(CliRunner.Run("engine", "run", "-m", Classifier, "-o", Path("o")), "--shape x:");

    [Fact]
    public void InputOfTheWrongShapeIsRejected()
    {
        NpyFile.Write(Path("bad.npy"), Tensor.FromFloats(new float[2 * 48 * 192], 1, 2, 48, 192));
        AssertUserError(CliRunner.Run("engine", "run", "-m", Classifier, "-i", Path("bad.npy"), "-o", Path("o")), "dimension 1 must be 3");
    }

    [Fact]
    public void InputOfTheWrongTypeIsRejected()
    {
        NpyFile.Write(Path("ints.npy"), Tensor.FromLongs(new long[3 * 48 * 192], 1, 3, 48, 192));
        AssertUserError(CliRunner.Run("engine", "run", "-m", Classifier, "-i", Path("ints.npy"), "-o", Path("o")), "must be float32, got int64");
    }

    [Fact]
    public void MalformedNpyIsRejected()
    {
        File.WriteAllBytes(Path("broken.npy"), "\u0093NUMPY\u0001\u0000garbage"u8.ToArray());
        AssertUserError(CliRunner.Run("engine", "run", "-m", Classifier, "-i", Path("broken.npy"), "-o", Path("o")), "broken.npy");
    }

    [Fact]
    public void TruncatedModelIsOneLineWithoutStackTrace()
    {
        var bytes = File.ReadAllBytes(Classifier);
        File.WriteAllBytes(Path("cut.onnx"), bytes[..(bytes.Length / 3)]);
        AssertUserError(CliRunner.Run("engine", "run", "-m", Path("cut.onnx"), "--shape", "x:1x3x48x192", "-o", Path("o")), "cut.onnx");
    }

    [Fact]
    public void VerboseShowsTheStackTraceOfAUserError()
    {
        var r = CliRunner.Run("engine", "run", "-m", Path("missing.onnx"), "-o", Path("o"), "--verbose");
        Assert.Equal(CommandLine.UserError, r.ExitCode);
        Assert.Contains("   at ", r.Error);
    }

    [Fact]
    public void UnknownOptionsAndBackendsAreUsageErrors()
    {
        Assert.Equal(CommandLine.UserError, CliRunner.Run("engine", "run", "--bogus").ExitCode);
        var r = CliRunner.Run("engine", "run", "-m", Classifier, "-o", Path("o"), "--backend", "tpu");
        Assert.Equal(CommandLine.UserError, r.ExitCode);
        Assert.Contains("tpu", r.Error);
    }

    [Fact]
    public void InspectListsInputsOutputsAndOps()
    {
        var r = CliRunner.Run("engine", "inspect", "--model", Detector);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("opset 11", r.Output);
        Assert.Contains("  x: float32[p2o.DynamicDimension.0x3x", r.Output);
        Assert.Contains("sigmoid_0.tmp_0", r.Output);
        Assert.Matches(@"Conv\s+62", r.Output);
        Assert.Contains("unsupported ops: none", r.Output);
        Assert.Matches(@"parameters: [\d,]+", r.Output);
    }

    [Fact]
    public void InspectReportsUnsupportedOpsInsteadOfFailing()
    {
        var b = new OnnxModelBuilder("odd").Input("x", DataType.Float32, 4).Output("y", DataType.Float32);
        b.Op("NonZero", "y", ["x"]);
        b.Save(Path("odd.onnx"));
        var r = CliRunner.Run("engine", "inspect", "-m", Path("odd.onnx"));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("unsupported ops: NonZero (first at 'y')", r.Output);
        AssertUserError(CliRunner.Run("engine", "run", "-m", Path("odd.onnx"), "-o", Path("o")), "unsupported op: NonZero");
    }

    [Fact]
    public void ZooWritesEveryModel()
    {
        var r = CliRunner.Run("engine", "zoo", "--out", Path("zoo"));
        Assert.Equal(0, r.ExitCode);
        foreach (var name in new[] { "resnet18", "resnet50", "mobilenetv2", "yolov5s" })
        {
            Assert.True(File.Exists(Path($"zoo/{name}.onnx")), name);
            Assert.Contains($"{name}.onnx", r.Output);
        }
        var inspect = CliRunner.Run("engine", "inspect", "-m", Path("zoo/resnet50.onnx"));
        Assert.Matches(@"BatchNormalization\s+53", inspect.Output);
    }

    [Theory]
    [InlineData("x:1x3")]
    [InlineData(":1x3")]
    [InlineData("x:1xAx3")]
    [InlineData("x")]
    public void MalformedShapeIsRejected(string spec) =>
        AssertUserError(CliRunner.Run("engine", "run", "-m", Classifier, "--shape", spec, "-o", Path("o")), "");
}

public sealed class OptimizeCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeagent-opt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ReportListsPassesAndPatterns()
    {
        var r = CliRunner.Run("engine", "optimize", "-m", CliRunner.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx"), "--report");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"optimized 471 nodes to \d+", r.Output);
        Assert.Matches(@"35 x BatchNormalization folded into Conv", r.Output);
        Assert.Contains("x*Clip(x+3,0,6)/6 -> HardSwish", r.Output);
        Assert.Contains("ops after:", r.Output);
    }

    [Fact]
    public void DumpsTheOptimizedGraphAsDotAndSvg()
    {
        string dot = Path.Combine(_dir, "g.dot"), svg = Path.Combine(_dir, "g.svg");
        var model = CliRunner.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx");
        Assert.Equal(0, CliRunner.Run("engine", "optimize", "-m", model, "--dump-graph", dot).ExitCode);
        var text = File.ReadAllText(dot);
        Assert.StartsWith("digraph model {", text);
        Assert.Contains("FusedConv [HardSwish]", text);
        var r = CliRunner.Run("engine", "optimize", "-m", model, "--dump-graph", svg);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("<svg", File.ReadAllText(svg));
    }

    [Fact]
    public void UnknownDumpFormatIsAUsageError()
    {
        var r = CliRunner.Run("engine", "optimize", "-m", CliRunner.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx"), "--dump-graph", Path.Combine(_dir, "g.png"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(".dot or .svg", r.Error);
    }
}

public sealed class BackendChoiceCliTests
{
    [Fact]
    public void CudaWithoutAGpuIsOneLineAndAutoFallsBackToTheCpu()
    {
        var model = CliRunner.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx");
        string dir = Directory.CreateTempSubdirectory("edgeagent-backend-").FullName;
        try
        {
            var devices = CliRunner.Run("devices");
            Assert.Equal(0, devices.ExitCode);
            Assert.Contains("cpu: cpu on", devices.Output);
            if (!devices.Output.Contains("gpu: none")) return; // a GPU machine: covered by scripts/gpu-check.sh
            var cuda = CliRunner.Run("engine", "run", "-m", model, "--shape", "x:1x3x48x192", "--backend", "cuda", "-o", dir);
            Assert.Equal(2, cuda.ExitCode);
            Assert.Single(cuda.ErrorLines);
            Assert.Contains("NVIDIA driver", cuda.Error);
            var auto = CliRunner.Run("engine", "run", "-m", model, "--shape", "x:1x3x48x192", "--backend", "auto", "-o", dir);
            Assert.Equal(0, auto.ExitCode);
            Assert.Contains("backend cpu", auto.Output);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
