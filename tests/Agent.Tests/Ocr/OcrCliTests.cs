using System.Text.Json;
using EdgeAgent.Agent.Tests.Cli;

namespace EdgeAgent.Agent.Tests.Ocr;

/// <summary><c>edgeagent ocr</c>: what a user types, what comes back, and one line for every mistake.</summary>
public sealed class OcrCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeagent-ocr-cli-").FullName;

    private static string Models => Path.GetDirectoryName(CliRunner.Model("ch_PP-OCRv4_det_infer.onnx"))!;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void AssertOneLineError(CliResult result, string expected)
    {
        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.Contains(expected, line);
        Assert.StartsWith("error: ", line);
    }

    [Fact]
    public void Reads_a_scene_writes_json_and_an_annotated_image()
    {
        var (file, truth) = RenderedScenes.Take("det", 1)[0];
        string annotated = Path.Combine(_dir, "annotated");
        var result = CliRunner.Run("ocr", "--image", file, "--models", Models, "--backend", "cpu", "--json", "--no-autotune", "--annotate", annotated);
        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var lines = json.RootElement.GetProperty("lines").EnumerateArray().ToList();
        Assert.Equal(640, json.RootElement.GetProperty("width").GetInt32());
        Assert.Equal(truth.Length, lines.Count);
        // The dates and whole words of the scene come back exactly.
        var texts = lines.Select(l => l.GetProperty("text").GetString()).ToList();
        foreach (var expected in truth.Where(t => !t.Contains(' '))) Assert.Contains(expected, texts);
        Assert.All(lines, l => Assert.Equal(4, l.GetProperty("box").GetArrayLength()));
        string png = Path.Combine(annotated, Path.GetFileNameWithoutExtension(file) + ".png");
        var header = File.ReadAllBytes(png)[..8];
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, header);
    }

    [Fact]
    public void Image_and_folder_are_exclusive_and_one_is_needed()
    {
        AssertOneLineError(CliRunner.Run("ocr"), "give exactly one of --image F or --dir D");
        AssertOneLineError(CliRunner.Run("ocr", "--image", "a.jpg", "--dir", _dir), "give exactly one of --image F or --dir D");
    }

    [Fact]
    public void A_missing_image_or_folder_is_one_line()
    {
        AssertOneLineError(CliRunner.Run("ocr", "--image", Path.Combine(_dir, "none.jpg")), "does not exist");
        AssertOneLineError(CliRunner.Run("ocr", "--dir", Path.Combine(_dir, "nothing-here")), "does not exist");
    }

    [Fact]
    public void A_folder_without_images_is_one_line()
    {
        File.WriteAllText(Path.Combine(_dir, "notes.txt"), "no pictures");
        AssertOneLineError(CliRunner.Run("ocr", "--dir", _dir, "--models", Models), "holds no images");
    }

    [Fact]
    public void A_file_that_is_not_an_image_is_one_line_naming_it()
    {
        string bad = Path.Combine(_dir, "broken.jpg");
        File.WriteAllBytes(bad, [0xFF, 0xD8, 0x00, 0x01, 0x02, 0x03, 0x04]);
        var result = CliRunner.Run("ocr", "--image", bad, "--models", Models, "--backend", "cpu", "--no-autotune", "--no-classifier");
        AssertOneLineError(result, $"image '{bad}' could not be decoded");
    }

    [Fact]
    public void A_models_folder_without_the_models_is_one_line_naming_what_is_missing()
    {
        string image = RenderedScenes.Take("det", 1)[0].File;
        var result = CliRunner.Run("ocr", "--image", image, "--models", _dir);
        AssertOneLineError(result, "text detector");
        Assert.Contains("scripts/fetch-models.sh", result.Error);
    }

    [Fact]
    public void A_dictionary_of_another_recognizer_is_refused_in_one_line()
    {
        string models = Path.Combine(_dir, "models");
        Directory.CreateDirectory(models);
        foreach (var file in new[] { "ch_PP-OCRv4_det_infer.onnx", "ch_ppocr_mobile_v2.0_cls_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx" })
            File.CreateSymbolicLink(Path.Combine(models, file), CliRunner.Model(file));
        File.WriteAllText(Path.Combine(models, "ppocr_keys_v1.txt"), "a\nb\nc\n");
        string image = RenderedScenes.Take("det", 1)[0].File;
        var result = CliRunner.Run("ocr", "--image", image, "--models", models, "--backend", "cpu", "--no-autotune", "--no-classifier");
        AssertOneLineError(result, "needs [N x steps x 5]");
        Assert.Contains("they do not belong together", result.Error);
    }

    [Theory]
    [InlineData("--detector-size", "100", "multiple of 32")]
    [InlineData("--threads", "-1", "--threads must be")]
    [InlineData("--backend", "tpu", "tpu")]
    public void Bad_options_are_one_line(string option, string value, string expected)
    {
        string image = RenderedScenes.Take("det", 1)[0].File;
        var result = CliRunner.Run("ocr", "--image", image, "--models", Models, option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error);
    }
}
