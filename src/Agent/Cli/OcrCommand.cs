using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using EdgeAgent.Agent.Ocr;
using EdgeAgent.Camera.Frames;

namespace EdgeAgent.Agent.Cli;

/// <summary>
/// <c>edgeagent ocr --image F | --dir D</c>: the device's text reader (PP-OCR detector, direction
/// classifier, recognizer) on still images, printing each line's text, confidence and box, and
/// optionally writing annotated copies, so a user sees what the device would read.
/// </summary>
public static class OcrCommand
{
    public static Command Build(TextWriter output)
    {
        var image = new Option<string?>("--image") { Description = "Image file (jpg, png, bmp, ppm)" };
        var dir = new Option<string?>("--dir") { Description = "Folder of images, read in name order" };
        var models = new Option<string>("--models") { Description = "Folder with the PP-OCR models and ppocr_keys_v1.txt (scripts/fetch-models.sh)", DefaultValueFactory = _ => Path.Combine(".cache", "models") };
        var backend = new Option<string>("--backend") { Description = "cpu, cuda or auto", DefaultValueFactory = _ => "auto" };
        backend.AcceptOnlyFromAmong("cpu", "cuda", "auto");
        var precision = new Option<string>("--precision") { Description = "fp32, or fp16 on the cuda backend", DefaultValueFactory = _ => "fp32" };
        precision.AcceptOnlyFromAmong("fp32", "fp16");
        var threads = new Option<int>("--threads") { Description = "CPU threads (default: one per core)", DefaultValueFactory = _ => 0 };
        var detectorSize = new Option<int>("--detector-size") { Description = "Longer image side at the detector, a multiple of 32", DefaultValueFactory = _ => 640 };
        var noClassifier = new Option<bool>("--no-classifier") { Description = "Do not check for upside-down lines" };
        var annotate = new Option<string?>("--annotate") { Description = "Folder for copies of the images with boxes and text drawn (PNG)" };
        var json = new Option<bool>("--json") { Description = "One JSON object per image instead of text" };
        var timingCache = new Option<string?>("--timing-cache") { Description = "Timing cache for the engine builds" };
        var noAutotune = new Option<bool>("--no-autotune") { Description = "Build with each layer's default tactic instead of timing them (faster start)" };
        var command = new Command("ocr", "Read the text in images with the PP-OCR detector, direction classifier and recognizer")
        {
            image, dir, models, backend, precision, threads, detectorSize, noClassifier, annotate, json, timingCache, noAutotune,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(Run(output, parse.GetValue(image), parse.GetValue(dir), parse.GetValue(models)!,
            parse.GetValue(backend)!, parse.GetValue(precision)!, parse.GetValue(threads), parse.GetValue(detectorSize), !parse.GetValue(noClassifier),
            parse.GetValue(annotate), parse.GetValue(json), parse.GetValue(timingCache), !parse.GetValue(noAutotune), parse.GetValue(CommandLine.Verbose), cancellationToken)));
        return command;
    }

    private static int Run(TextWriter output, string? image, string? dir, string modelDir, string backendName, string precision, int threads,
        int detectorSize, bool classifier, string? annotate, bool json, string? timingCache, bool autotune, bool verbose, CancellationToken cancellationToken)
    {
        if ((image is null) == (dir is null)) throw new CliUsageException("give exactly one of --image F or --dir D");
        if (threads < 0) throw new CliUsageException($"--threads must be 0 (one per core) or more, got {threads}");
        string[] files;
        if (image is not null)
        {
            if (!File.Exists(image)) throw new CliUsageException($"image '{image}' does not exist");
            files = [image];
        }
        else
        {
            if (!Directory.Exists(dir)) throw new CliUsageException($"folder '{dir}' does not exist");
            files = [.. Directory.GetFiles(dir!).Where(ImageFile.IsImage).Order(StringComparer.Ordinal)];
            if (files.Length == 0) throw new CliUsageException($"folder '{dir}' holds no images (jpg, jpeg, png, bmp, ppm)");
        }
        var models = OcrModels.In(modelDir);
        models.Validate();
        var options = new OcrOptions { DetectorSize = detectorSize, UseClassifier = classifier };
        options.Validate();
        if (annotate is not null) Directory.CreateDirectory(annotate);

        var progress = (string step) => { if (!json) Console.Error.WriteLine(step); };
        var clock = Stopwatch.StartNew();
        var backend = EngineSource.Backend(backendName, threads, precision);
        string built = backend is Engine.Backends.Cuda.CudaBackend cuda ? cuda.Precision : "fp32";
        using var reader = OcrCascade.Build(models, options, new ProfiledModel.BuildSettings(backend, threads, timingCache, autotune, built, progress));
        progress($"engines built in {clock.Elapsed.TotalSeconds:0.0} s on {backend.Fingerprint.Backend}");
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (pixels, width, height) = ImageFile.Decode(file);
            var started = Stopwatch.GetTimestamp();
            var lines = reader.Read(pixels, new FrameGeometry(width, height, PixelFormat.Rgb24), cancellationToken);
            double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (annotate is not null) AnnotatedImage.Write(Path.Combine(annotate, Path.GetFileNameWithoutExtension(file) + ".png"), pixels, width, height, lines);
            if (json) output.WriteLine(Json(file, width, height, ms, lines));
            else
            {
                output.WriteLine($"{file}: {lines.Count} line(s) in {ms:0} ms");
                foreach (var line in lines)
                    output.WriteLine($"  {Quote(line.Text)}  {line.Confidence:0.000}{(line.UpsideDown ? "  (upside down)" : "")}  at {Corners(line)}");
            }
        }
        if (verbose) progress($"compiled shapes (detector, classifier, recognizer): {reader.CompiledShapes}");
        return 0;
    }

    private static string Quote(string text) => JsonSerializer.Serialize(text);

    private static string Corners(ReadLine line) => string.Join(" ", line.Box.Corners.Select(p => $"{p.X:0},{p.Y:0}"));

    private static string Json(string file, int width, int height, double ms, IReadOnlyList<ReadLine> lines) => JsonSerializer.Serialize(new
    {
        image = file,
        width,
        height,
        ms = Math.Round(ms, 2),
        lines = lines.Select(l => new
        {
            text = l.Text,
            confidence = Math.Round(l.Confidence, 4),
            upside_down = l.UpsideDown,
            box = l.Box.Corners.Select(p => new[] { MathF.Round(p.X, 1), MathF.Round(p.Y, 1) }),
            score = Math.Round(l.Box.Score, 4),
        }),
    });
}
