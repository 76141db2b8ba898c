using System.Diagnostics;
using EdgeAgent.Camera.Processing.Post.Text;

namespace EdgeAgent.Agent.Ocr;

/// <summary>
/// Writes what the reader saw: the frame with each line's box outlined and its text printed
/// above it. Boxes are drawn here; ffmpeg encodes the image and draws the text (drawtext reads
/// each line from a file, so no text needs escaping). Without the DejaVu font only boxes are drawn.
/// </summary>
public static class AnnotatedImage
{
    public const string Font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    public static void Write(string path, byte[] rgb, int width, int height, IReadOnlyList<ReadLine> lines)
    {
        var pixels = (byte[])rgb.Clone();
        foreach (var line in lines)
        {
            var c = line.Box.Corners;
            for (int k = 0; k < 4; k++) DrawLine(pixels, width, height, c[k], c[(k + 1) % 4]);
        }
        string temp = Directory.CreateTempSubdirectory("edgeagent-annotate-").FullName;
        try
        {
            var filters = new List<string>();
            if (File.Exists(Font))
            {
                for (int i = 0; i < lines.Count; i++)
                {
                    if (lines[i].Text.Length == 0) continue;
                    string file = Path.Combine(temp, $"{i}.txt");
                    File.WriteAllText(file, lines[i].Text);
                    var top = lines[i].Box.Corners.MinBy(p => p.Y);
                    int size = Math.Clamp((int)(lines[i].Box.Height * 0.6f), 10, 48);
                    int x = Math.Clamp((int)lines[i].Box.Corners.Min(p => p.X), 0, Math.Max(0, width - 1));
                    int y = Math.Max(0, (int)top.Y - size - 2);
                    filters.Add($"drawtext=fontfile={Font}:textfile={file}:x={x}:y={y}:fontsize={size}:fontcolor=red:box=1:boxcolor=white@0.7");
                }
            }
            var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{width}x{height}", "-i", "-" })
                psi.ArgumentList.Add(a);
            if (filters.Count > 0)
            {
                psi.ArgumentList.Add("-vf");
                psi.ArgumentList.Add(string.Join(",", filters));
            }
            psi.ArgumentList.Add("-frames:v");
            psi.ArgumentList.Add("1");
            psi.ArgumentList.Add(path);
            Process p;
            try { p = Process.Start(psi)!; }
            catch (System.ComponentModel.Win32Exception) { throw new Cli.CliUsageException("ffmpeg was not found; annotated images are written with it (scripts/setup.sh installs it)"); }
            using (p)
            {
                var stderr = p.StandardError.ReadToEndAsync();
                try
                {
                    p.StandardInput.BaseStream.Write(pixels);
                    p.StandardInput.Close();
                }
                catch (IOException) { /* ffmpeg stopped early; its message says why */ }
                p.WaitForExit();
                if (p.ExitCode != 0)
                    throw new Cli.CliUsageException($"annotated image '{path}' could not be written: {stderr.Result.Trim().Split('\n').LastOrDefault()}");
            }
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>A 2-pixel red line (DDA), clipped to the image.</summary>
    private static void DrawLine(byte[] pixels, int width, int height, Point2 a, Point2 b)
    {
        int steps = (int)MathF.Ceiling(MathF.Max(MathF.Abs(b.X - a.X), MathF.Abs(b.Y - a.Y))) + 1;
        for (int i = 0; i <= steps; i++)
        {
            float t = (float)i / steps;
            int x = (int)(a.X + t * (b.X - a.X)), y = (int)(a.Y + t * (b.Y - a.Y));
            for (int dy = 0; dy < 2; dy++)
                for (int dx = 0; dx < 2; dx++)
                {
                    int px = x + dx, py = y + dy;
                    if (px < 0 || py < 0 || px >= width || py >= height) continue;
                    int at = (py * width + px) * 3;
                    pixels[at] = 255;
                    pixels[at + 1] = 0;
                    pixels[at + 2] = 0;
                }
        }
    }
}
