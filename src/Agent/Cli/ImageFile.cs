using System.Diagnostics;

namespace EdgeAgent.Agent.Cli;

/// <summary>
/// Still images the commands read (calibration sets, <c>edgeagent ocr</c>): decoded by ffmpeg,
/// which writes the first frame as one binary PPM (P6) — a small header with the size, then RGB bytes.
/// </summary>
public static class ImageFile
{
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string> { ".jpg", ".jpeg", ".png", ".bmp", ".ppm" };

    public static bool IsImage(string file) => Extensions.Contains(Path.GetExtension(file).ToLowerInvariant());

    /// <summary>The image as packed RGB24; a file ffmpeg cannot decode, or no ffmpeg, is a one-line error.</summary>
    public static (byte[] Pixels, int Width, int Height) Decode(string file)
    {
        if (!File.Exists(file)) throw new CliUsageException($"image '{file}' does not exist");
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-i", file, "-frames:v", "1", "-f", "image2pipe", "-vcodec", "ppm", "-pix_fmt", "rgb24", "-" })
            psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception) { throw new CliUsageException("ffmpeg was not found; images are decoded with it (scripts/setup.sh installs it)"); }
        using (p)
        {
            using var buffer = new MemoryStream();
            var stderr = p.StandardError.ReadToEndAsync();
            p.StandardOutput.BaseStream.CopyTo(buffer);
            p.WaitForExit();
            var bytes = buffer.ToArray();
            if (p.ExitCode != 0 || !TryParsePpm(bytes, out int width, out int height, out int offset))
            {
                string last = stderr.Result.Trim().Split('\n').LastOrDefault() ?? "";
                throw new CliUsageException($"image '{file}' could not be decoded: {(last.Length > 0 ? last : "no picture in it")}");
            }
            return (bytes[offset..], width, height);
        }
    }

    private static bool TryParsePpm(byte[] b, out int width, out int height, out int offset)
    {
        width = height = offset = 0;
        int pos = 0;
        string Next()
        {
            while (pos < b.Length && char.IsWhiteSpace((char)b[pos])) pos++;
            int start = pos;
            while (pos < b.Length && !char.IsWhiteSpace((char)b[pos])) pos++;
            return System.Text.Encoding.ASCII.GetString(b, start, pos - start);
        }
        if (Next() != "P6" || !int.TryParse(Next(), out width) || !int.TryParse(Next(), out height) || Next() != "255") return false;
        offset = pos + 1;
        return width > 0 && height > 0 && b.Length - offset == width * height * 3;
    }
}
