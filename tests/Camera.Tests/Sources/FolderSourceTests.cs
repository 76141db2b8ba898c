using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Sources;
using EdgeAgent.Camera.Sources.Folder;
using EdgeAgent.Camera.Tests.Support;

namespace EdgeAgent.Camera.Tests.Sources;

public sealed class FolderSourceTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgeagent-folder-" + Guid.NewGuid().ToString("N")[..8]);

    public FolderSourceTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Image(int w, int h, byte seed)
    {
        var rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.Length; i++)
            rgb[i] = (byte)(seed * 37 + i * 13);
        return rgb;
    }

    private async Task<List<byte[]>> ReadAsync(string uri, int max)
    {
        var ct = Timeouts.After(30);
        await using var source = new FrameSourceFactory().Create(FrameSourceUri.Parse(uri));
        await source.StartAsync(ct);
        var frames = new List<byte[]>();
        var buffer = new byte[source.Geometry.ByteCount];
        while (frames.Count < max && await source.ReadFrameAsync(buffer, ct) is not null)
            frames.Add((byte[])buffer.Clone());
        return frames;
    }

    [Fact]
    public async Task Plays_npy_ppm_and_png_in_name_order()
    {
        byte[] a = Image(8, 6, 1), b = Image(8, 6, 2), c = Image(8, 6, 3);
        await File.WriteAllBytesAsync(Path.Combine(_dir, "01.npy"), NpyImage.Write(a, 8, 6));
        await File.WriteAllBytesAsync(Path.Combine(_dir, "02.ppm"), PpmImage.Write(b, 8, 6));
        await File.WriteAllBytesAsync(Path.Combine(_dir, "tmp.ppm.src"), PpmImage.Write(c, 8, 6));
        Ffmpeg.Run("-f", "ppm_pipe", "-i", Path.Combine(_dir, "tmp.ppm.src"), Path.Combine(_dir, "03.png")); // lossless
        await File.WriteAllTextAsync(Path.Combine(_dir, "notes.txt"), "ignored");

        var frames = await ReadAsync($"folder:{_dir}#loop=false&fps=0", 10);
        Assert.Equal([a, b, c], frames);
    }

    [Fact]
    public async Task Loops_and_converts_to_bgr()
    {
        byte[] a = Image(4, 2, 1);
        await File.WriteAllBytesAsync(Path.Combine(_dir, "only.npy"), NpyImage.Write(a, 4, 2));
        var frames = await ReadAsync($"folder:{_dir}#fps=0&pixfmt=bgr24", 3);
        Assert.Equal(3, frames.Count);
        Assert.All(frames, f => Assert.Equal(a[2], f[0]));
        Assert.All(frames, f => Assert.Equal(a[0], f[2]));
    }

    [Fact]
    public async Task Images_of_another_size_fail_clearly()
    {
        await File.WriteAllBytesAsync(Path.Combine(_dir, "a.npy"), NpyImage.Write(Image(8, 6, 1), 8, 6));
        await File.WriteAllBytesAsync(Path.Combine(_dir, "b.npy"), NpyImage.Write(Image(4, 4, 1), 4, 4));
        var ex = await Assert.ThrowsAsync<FrameSourceException>(() => ReadAsync($"folder:{_dir}#fps=0", 5));
        Assert.Contains("'b.npy' is 4x4 but the folder's first image is 8x6", ex.Message);
    }

    [Fact]
    public async Task Corrupt_image_and_empty_or_missing_folder_fail_clearly()
    {
        await Assert.ThrowsAsync<CameraConfigException>(() => ReadAsync($"folder:{_dir}", 1)); // empty
        await Assert.ThrowsAsync<CameraConfigException>(() => ReadAsync($"folder:{_dir}/missing", 1));
        await File.WriteAllBytesAsync(Path.Combine(_dir, "broken.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        var ex = await Assert.ThrowsAsync<FrameSourceException>(() => ReadAsync($"folder:{_dir}", 1));
        Assert.Contains("ffmpeg could not decode 'broken.png'", ex.Message);
    }
}

public class ImageFormatTests
{
    private static byte[] Npy(string header, int dataBytes)
    {
        byte[] h = System.Text.Encoding.Latin1.GetBytes(header);
        var file = new byte[10 + h.Length + dataBytes];
        byte[] magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0];
        magic.CopyTo(file, 0);
        file[8] = (byte)h.Length;
        file[9] = (byte)(h.Length >> 8);
        h.CopyTo(file, 10);
        return file;
    }

    [Fact]
    public void Npy_round_trip()
    {
        byte[] pixels = Enumerable.Range(0, 5 * 3 * 3).Select(i => (byte)i).ToArray();
        byte[] file = NpyImage.Write(pixels, 5, 3);
        Assert.Equal(0, (file.Length - pixels.Length) % 64); // header padded to 64 bytes as numpy does
        var (w, h, offset) = NpyImage.ReadHeader(file);
        Assert.Equal((5, 3), (w, h));
        Assert.Equal(pixels, file[offset..]);
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 3), }", 48, "dtype '<f4'")]
    [InlineData("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 2, 3), }", 12, "Fortran order")]
    [InlineData("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }", 4, "not (height, width, 3)")]
    [InlineData("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2, 4), }", 16, "not (height, width, 3)")]
    [InlineData("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2, 3), }", 11, "truncated")]
    [InlineData("{'descr': '|u1', 'fortran_order': False}", 12, "no 'shape'")]
    [InlineData("{'fortran_order': False, 'shape': (2, 2, 3), }", 12, "no 'descr'")]
    [InlineData("{'descr': '|u1', 'shape': (2, 2, 3), }", 12, "no 'fortran_order'")]
    [InlineData("{'descr': '|u1', 'fortran_order': False, 'shape': (0, 2, 3), }", 0, "out of range")]
    public void Malformed_npy(string header, int dataBytes, string expected)
    {
        Assert.Contains(expected, Assert.Throws<FormatException>(() => NpyImage.ReadHeader(Npy(header, dataBytes))).Message);
    }

    [Fact]
    public void Npy_bad_magic_version_and_header_length()
    {
        Assert.Contains("magic", Assert.Throws<FormatException>(() => NpyImage.ReadHeader("PK\x03\x04xxxxxxxxxx"u8)).Message);
        byte[] v9 = Npy("{}", 0);
        v9[6] = 9;
        Assert.Contains("version 9", Assert.Throws<FormatException>(() => NpyImage.ReadHeader(v9)).Message);
        byte[] longHeader = Npy("{}", 0);
        longHeader[8] = 0xFF;
        Assert.Contains("truncated .npy header", Assert.Throws<FormatException>(() => NpyImage.ReadHeader(longHeader)).Message);
    }

    [Fact]
    public void Ppm_round_trip_with_comments()
    {
        byte[] pixels = Enumerable.Range(0, 2 * 2 * 3).Select(i => (byte)(i * 9)).ToArray();
        byte[] file = [.. "P6\n# made by hand\n2 2\n255\n"u8.ToArray(), .. pixels];
        var (w, h, offset) = PpmImage.ReadHeader(file);
        Assert.Equal((2, 2), (w, h));
        Assert.Equal(pixels, file[offset..]);
    }

    [Theory]
    [InlineData("P5\n2 2\n255\n", "P6 magic")]
    [InlineData("P6\n2\n", "no height")]
    [InlineData("P6\n2 2\n65535\n", "maxval 65535")]
    [InlineData("P6\n2 2\n255\nabc", "truncated")]
    [InlineData("P6\n9999999 2\n255\n", "too large")]
    [InlineData("P6\n2 2\n255", "whitespace")]
    public void Malformed_ppm(string text, string expected)
    {
        Assert.Contains(expected, Assert.Throws<FormatException>(() => PpmImage.ReadHeader(System.Text.Encoding.Latin1.GetBytes(text))).Message);
    }
}
