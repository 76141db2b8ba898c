using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Agent.Tests.Cli;

/// <summary>engine build / inspect / run / bench / compare / keygen on real engine files.</summary>
public sealed class EngineFileCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeagent-engine-cli-").FullName;
    private static string Classifier => CliRunner.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private string BuildClassifier(params string[] extra)
    {
        var r = CliRunner.Run(["engine", "build", "-m", Classifier, "--shapes", "x:1x3x48x192", "--out", P("cls.engine"), "--no-autotune", .. extra]);
        Assert.True(r.ExitCode == 0, r.Error);
        return P("cls.engine");
    }

    [Fact]
    public void BuildInspectRunAndBenchAnEngine()
    {
        var r = CliRunner.Run("engine", "build", "-m", Classifier, "--shapes", "x:1x3x48x192", "--out", P("cls.engine"), "--timing-cache", P("timing.txt"));
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"tuning\s+\d+ layers timed", r.Output);
        Assert.Contains("76 (53 FusedConv", r.Output);
        var warm = CliRunner.Run("engine", "build", "-m", Classifier, "--shapes", "x:1x3x48x192", "--out", P("cls.engine"), "--timing-cache", P("timing.txt"));
        Assert.Contains("tuning   0 layers timed", warm.Output);

        var inspect = CliRunner.Run("engine", "inspect", "--engine", P("cls.engine"));
        Assert.Equal(0, inspect.ExitCode);
        Assert.Contains("matches this machine", inspect.Output);
        Assert.Contains("FusedConv+HardSwish", inspect.Output);
        Assert.Contains("x: float32[1x3x48x192]", inspect.Output);

        var input = Tensor.FromFloats(Enumerable.Range(0, 3 * 48 * 192).Select(i => (float)Math.Sin(i)).ToArray(), 1, 3, 48, 192);
        NpyFile.Write(P("x.npy"), input);
        Assert.Equal(0, CliRunner.Run("engine", "run", "--engine", P("cls.engine"), "-i", P("x.npy"), "-o", P("out-engine")).ExitCode);
        Assert.Equal(0, CliRunner.Run("engine", "run", "--model", Classifier, "-i", P("x.npy"), "-o", P("out-ref")).ExitCode);
        var ours = NpyFile.Read(P("out-engine/softmax_0.tmp_0.npy")).Floats;
        var reference = NpyFile.Read(P("out-ref/softmax_0.tmp_0.npy")).Floats;
        for (int i = 0; i < ours.Length; i++) Assert.Equal(reference[i], ours[i], 1e-5f);

        var bench = CliRunner.Run("engine", "bench", "--engine", P("cls.engine"), "--iterations", "5", "--warmup", "1", "--json");
        Assert.Equal(0, bench.ExitCode);
        Assert.Matches("\"median_ms\":[0-9.]+", bench.Output);
        Assert.Contains("\"backend\":\"cpu\"", bench.Output);

        // The profile gives each convolution its achieved rate and sums the network's arithmetic.
        var profile = CliRunner.Run("engine", "bench", "--engine", P("cls.engine"), "--iterations", "3", "--warmup", "1", "--profile");
        Assert.Equal(0, profile.ExitCode);
        Assert.Matches(@"\d+\.\d G/s\s+FusedConv", profile.Output);
        Assert.Matches(@"convolutions and matrix products: 0\.\d\d G operations in [0-9.]+ ms", profile.Output);
    }

    [Fact]
    public void CompareReportsEveryOutputAndLayer()
    {
        var engine = BuildClassifier();
        var r = CliRunner.Run("engine", "compare", "--engine", engine, "--model", Classifier, "--per-layer");
        Assert.Equal(0, r.ExitCode);
        var last = r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith("output "));
        var rel = double.Parse(last.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^2], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(rel, 0, 1e-4);
        Assert.Contains("FusedConv", r.Output);
    }

    [Fact]
    public void SignedEnginesNeedTheRightKey()
    {
        Assert.Equal(0, CliRunner.Run("engine", "keygen", "--out", P("fleet.pem")).ExitCode);
        Assert.Equal(0, CliRunner.Run("engine", "keygen", "--out", P("other.pem")).ExitCode);
        Assert.Equal(2, CliRunner.Run("engine", "keygen", "--out", P("fleet.pem")).ExitCode); // no silent overwrite
        var engine = BuildClassifier("--sign-key", P("fleet.pem"));
        Assert.Contains("signature verified", CliRunner.Run("engine", "inspect", "-e", engine, "--verify-key", P("fleet.pem.pub")).Output);
        var wrong = CliRunner.Run("engine", "inspect", "-e", engine, "--verify-key", P("other.pem.pub"));
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("does not match the fleet key", wrong.Error);
        var garbageKey = P("garbage.pem");
        File.WriteAllText(garbageKey, "not a key");
        Assert.Equal(2, CliRunner.Run("engine", "inspect", "-e", engine, "--verify-key", garbageKey).ExitCode);
    }

    [Fact]
    public void BadEngineFilesAreOneLineUserErrors()
    {
        var engine = BuildClassifier();
        var bytes = File.ReadAllBytes(engine);
        File.WriteAllBytes(P("cut.engine"), bytes[..(bytes.Length / 2)]);
        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 3] ^= 4;
        File.WriteAllBytes(P("flipped.engine"), flipped);
        foreach (var (file, expected) in new[] { ("cut.engine", "truncated"), ("flipped.engine", "sha256"), ("missing.engine", "not found") })
        {
            var r = CliRunner.Run("engine", "run", "--engine", P(file), "-o", P("o"));
            Assert.Equal(2, r.ExitCode);
            Assert.Single(r.ErrorLines);
            Assert.Contains(expected, r.Error);
        }
        Assert.Equal(2, CliRunner.Run("engine", "run", "--engine", engine, "--model", Classifier, "-o", P("o")).ExitCode);
    }

    [Fact]
    public void ProfileBuildRefusesShapesOutsideIt()
    {
        var det = CliRunner.Model("ch_PP-OCRv4_det_infer.onnx");
        var r = CliRunner.Run("engine", "build", "-m", det, "--out", P("det.engine"), "--no-autotune",
            "--min-shapes", "x:1x3x320x320", "--opt-shapes", "x:1x3x640x640", "--max-shapes", "x:1x3x960x960");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("profile  x: min 1x3x320x320", r.Output);
        Assert.Equal(0, CliRunner.Run("engine", "run", "--engine", P("det.engine"), "--shape", "x:1x3x480x800", "-o", P("o")).ExitCode);
        var outside = CliRunner.Run("engine", "run", "--engine", P("det.engine"), "--shape", "x:1x3x1280x1280", "-o", P("o"));
        Assert.Equal(2, outside.ExitCode);
        Assert.Contains("outside every optimization profile", outside.Error);
        var partial = CliRunner.Run("engine", "build", "-m", det, "--out", P("x.engine"), "--min-shapes", "x:1x3x320x320");
        Assert.Equal(2, partial.ExitCode);
        var unsupported = CliRunner.Run("engine", "build", "-m", Classifier, "--shapes", "x:1x3x48x192", "--out", P("y.engine"), "--precision", "int8");
        Assert.Equal(2, unsupported.ExitCode);
        Assert.Contains("int8", unsupported.Error);
    }
}
