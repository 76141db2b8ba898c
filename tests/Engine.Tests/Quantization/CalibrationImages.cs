using System.Diagnostics;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Oracle;

namespace EdgeAgent.Engine.Tests.Quantization;

/// <summary>
/// The rendered calibration/validation images (scripts/render-calib.sh, run here when they are
/// missing) decoded with ffmpeg into NCHW float tensors, normalized the way each model expects.
/// </summary>
internal static class CalibrationImages
{
    public const int RenderedCount = 300;

    private static readonly Lazy<string> Rendered = new(Render, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Root => Rendered.Value;

    /// <summary>The first <paramref name="take"/> files of a folder, in name order (deterministic).</summary>
    public static IReadOnlyList<string> Files(string kind, string split, int take) =>
        Directory.GetFiles(Path.Combine(Root, kind, split), "*.jpg").Order(StringComparer.Ordinal).Take(take).ToList();

    /// <summary>PP-OCR det: BGR, ImageNet mean/std, at the image's own 640x640.</summary>
    public static Tensor Detector(string file) => Load(file, 640, 640, bgr: true, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>PP-OCR direction classifier: 48x192, BGR, (x/255 - 0.5) / 0.5.</summary>
    public static Tensor Classifier(string file) => Load(file, 192, 48, bgr: true, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);

    /// <summary>ImageNet classifiers: RGB, mean/std, stretched to size x size.</summary>
    public static Tensor ImageNet(string file, int size) => Load(file, size, size, bgr: false, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>YOLO: RGB in [0, 1].</summary>
    public static Tensor Yolo(string file, int size) => Load(file, size, size, bgr: false, [0f, 0f, 0f], [1f, 1f, 1f]);

    public static Tensor Load(string file, int width, int height, bool bgr, float[] mean, float[] std)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-i", file, "-vf", $"scale={width}:{height}:flags=bilinear", "-f", "rawvideo", "-pix_fmt", "rgb24", "-" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        using var buffer = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(buffer);
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        var rgb = buffer.ToArray();
        if (p.ExitCode != 0 || rgb.Length != width * height * 3) throw new InvalidOperationException($"ffmpeg could not decode {file}: {err}");
        int plane = width * height;
        var data = new float[3 * plane];
        for (int c = 0; c < 3; c++)
        {
            int source = bgr ? 2 - c : c;
            for (int i = 0; i < plane; i++) data[c * plane + i] = (rgb[i * 3 + source] / 255f - mean[c]) / std[c];
        }
        return Tensor.FromFloats(data, 1, 3, height, width);
    }

    private static string Render()
    {
        string root = Path.Combine(OrtOracle.RepositoryRoot, ".cache", "calib");
        var psi = new ProcessStartInfo(Path.Combine(OrtOracle.RepositoryRoot, "scripts", "render-calib.sh"), RenderedCount.ToString())
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"scripts/render-calib.sh failed: {output}");
        return root;
    }
}
