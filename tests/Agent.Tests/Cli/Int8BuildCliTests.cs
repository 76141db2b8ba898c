using System.Diagnostics;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Agent.Tests.Cli;

/// <summary><c>engine build --precision int8|best</c>: calibration from images or .npy, the cache round trip, and user errors as one line with exit 2.</summary>
public sealed class Int8BuildCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeagent-int8-cli-").FullName;
    private static string Classifier => CliRunner.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string NpyFolder(int count)
    {
        string folder = Path.Combine(_dir, "npy");
        Directory.CreateDirectory(folder);
        var random = new Random(7);
        for (int i = 0; i < count; i++)
        {
            var data = new float[3 * 48 * 192];
            for (int k = 0; k < data.Length; k++) data[k] = (float)(random.NextDouble() * 2 - 1);
            NpyFile.Write(Path.Combine(folder, $"{i:D3}.npy"), Tensor.FromFloats(data, 1, 3, 48, 192));
        }
        return folder;
    }

    private string[] Build(string output, params string[] extra) =>
        ["engine", "build", "-m", Classifier, "-o", output, "--shape", "x:1x3x48x192", "--threads", "2", "--no-autotune", .. extra];

    [Fact]
    public void SecondBuildReadsTheCalibrationCacheInsteadOfCalibrating()
    {
        string cache = Path.Combine(_dir, "cls.calib");
        string calib = NpyFolder(3);
        var first = CliRunner.Run(Build(Path.Combine(_dir, "a.engine"), "--precision", "int8", "--calib", calib, "--calib-cache", cache, "--calib-method", "minmax"));
        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Contains("minmax calibration on 3 input sets", first.Output);
        Assert.True(File.Exists(cache));

        // The folder is gone: only the cache can provide the scales now.
        Directory.Delete(calib, recursive: true);
        Directory.CreateDirectory(calib);
        var second = CliRunner.Run(Build(Path.Combine(_dir, "b.engine"), "--precision", "int8", "--calib-cache", cache, "--calib-method", "minmax"));
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Contains("no calibration run", second.Output);
        Assert.Contains("53 layers INT8", second.Output);

        // inspect names each layer's precision and layout: INT8 convolutions, FP32 elsewhere on the CPU, all NCHW here.
        var inspect = CliRunner.Run("engine", "inspect", "--engine", Path.Combine(_dir, "b.engine"));
        Assert.True(inspect.ExitCode == 0, inspect.Error);
        var layers = inspect.Output.Split('\n').Where(l => l.StartsWith("  ") && l.Contains(" NCHW ")).ToList();
        Assert.Equal(53, layers.Count(l => l.Contains(" QConv") && l.Contains(" int8 ")));
        Assert.Contains(layers, l => !l.Contains(" QConv") && l.Contains(" fp32 "));
        Assert.DoesNotContain("channels-last", inspect.Output);
    }

    [Fact]
    public void ImagesAreDecodedAndPreprocessedForCalibration()
    {
        string folder = Path.Combine(_dir, "images");
        Directory.CreateDirectory(folder);
        for (int i = 0; i < 2; i++)
        {
            var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc=size=320x80:rate=1", "-frames:v", "1", Path.Combine(folder, $"{i}.png") })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
        }
        var result = CliRunner.Run(Build(Path.Combine(_dir, "c.engine"), "--precision", "int8", "--calib", folder, "--calib-preprocess", "ppocr-cls"));
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("calibration on 2 input sets", result.Output);
        Assert.Contains("53 layers INT8", result.Output);
    }

    [Theory]
    [InlineData("missing-folder")]
    [InlineData("empty-folder")]
    [InlineData("malformed-cache")]
    [InlineData("calib-on-fp32")]
    [InlineData("wrong-npy-shape")]
    public void BadCalibrationInputIsOneLineAndExitCode2(string kind)
    {
        string empty = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(empty);
        string cache = Path.Combine(_dir, "bad.calib");
        File.WriteAllText(cache, "# edgeagent calibration cache v1\n# model-sha256 x\n# method entropy\nconv\tNaN\n");
        string wrongShape = Path.Combine(_dir, "wrong");
        Directory.CreateDirectory(wrongShape);
        NpyFile.Write(Path.Combine(wrongShape, "0.npy"), Tensor.FromFloats(new float[12], 1, 3, 2, 2));
        string[] extra = kind switch
        {
            "missing-folder" => ["--precision", "int8", "--calib", Path.Combine(_dir, "nope")],
            "empty-folder" => ["--precision", "int8", "--calib", empty],
            "malformed-cache" => ["--precision", "int8", "--calib-cache", cache],
            "calib-on-fp32" => ["--calib", empty],
            _ => ["--precision", "int8", "--calib", wrongShape],
        };
        var result = CliRunner.Run(Build(Path.Combine(_dir, "x.engine"), extra));
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: ", result.ErrorLines[0]);
    }
}
