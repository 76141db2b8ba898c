using System.Diagnostics;
using EdgeAgent.Camera.Frames;

namespace EdgeAgent.Camera.Sources.Folder;

/// <summary>
/// Plays the images of a directory in name order, once or looping, at a fixed rate. .npy and .ppm
/// are read directly; PNG, JPEG and BMP are decoded by a one-shot ffmpeg. Every image must have the
/// size of the first, because a source has one geometry for its lifetime.
/// </summary>
public sealed class FolderFrameSource : IFrameSource
{
    public static readonly IReadOnlyList<string> Extensions = [".npy", ".ppm", ".png", ".jpg", ".jpeg", ".bmp"];

    private readonly FolderSourceSpec _spec;
    private readonly string _ffmpeg;
    private string[] _files = [];
    private byte[] _buffer = [];
    private FrameGeometry? _geometry;
    private PeriodicTimer? _timer;
    private long _next;

    public FolderFrameSource(FolderSourceSpec spec, string ffmpegExecutable = FfmpegCommand.DefaultExecutable)
    {
        _spec = spec;
        _ffmpeg = ffmpegExecutable;
    }

    public string Name => _spec.DisplayName;

    public FrameGeometry Geometry => _geometry ?? throw new InvalidOperationException($"{Name}: geometry is known only after StartAsync");

    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_spec.Directory))
            throw new CameraConfigException($"camera source '{Name}': directory '{_spec.Directory}' does not exist");
        _files = Directory.EnumerateFiles(_spec.Directory)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (_files.Length == 0)
            throw new CameraConfigException($"camera source '{Name}': directory '{_spec.Directory}' has no images ({string.Join(' ', Extensions)})");
        var (w, h, _) = await LoadAsync(_files[0], cancellationToken).ConfigureAwait(false);
        _geometry = new FrameGeometry(w, h, _spec.Format);
        if (_spec.Fps > 0)
            _timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / _spec.Fps));
    }

    public async ValueTask<FrameInfo?> ReadFrameAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        FrameGeometry geometry = Geometry;
        if (!_spec.Loop && _next >= _files.Length)
            return null;
        if (_timer is not null && !await _timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            return null;
        string file = _files[_next % _files.Length];
        var (w, h, offset) = await LoadAsync(file, cancellationToken).ConfigureAwait(false);
        if (w != geometry.Width || h != geometry.Height)
            throw new FrameSourceException($"{Name}: '{Path.GetFileName(file)}' is {w}x{h} but the folder's first image is {geometry.Width}x{geometry.Height}; all images must have one size");
        Span<byte> dst = destination.Span[..geometry.ByteCount];
        _buffer.AsSpan(offset, geometry.ByteCount).CopyTo(dst);
        if (geometry.Format == PixelFormat.Bgr24)
            SwapRedBlue(dst);
        return new FrameInfo(_next++, Stopwatch.GetTimestamp(), geometry);
    }

    /// <summary>Loads a file into the reusable buffer as packed RGB; returns its size and where pixels start.</summary>
    private async ValueTask<(int Width, int Height, int Offset)> LoadAsync(string file, CancellationToken cancellationToken)
    {
        string ext = Path.GetExtension(file).ToLowerInvariant();
        int length = ext is ".npy" or ".ppm"
            ? await ReadFileAsync(file, cancellationToken).ConfigureAwait(false)
            : await DecodeWithFfmpegAsync(file, cancellationToken).ConfigureAwait(false);
        try
        {
            ReadOnlySpan<byte> bytes = _buffer.AsSpan(0, length);
            return ext == ".npy" ? NpyImage.ReadHeader(bytes) : PpmImage.ReadHeader(bytes);
        }
        catch (FormatException ex)
        {
            throw new FrameSourceException($"{Name}: '{Path.GetFileName(file)}': {ex.Message}", ex);
        }
    }

    private async ValueTask<int> ReadFileAsync(string file, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(file);
        long length = RandomAccess.GetLength(handle);
        if (length > 8192L * 8192 * 3 + 65536)
            throw new FrameSourceException($"{Name}: '{Path.GetFileName(file)}' is too large for an image ({length} bytes)");
        EnsureBuffer((int)length);
        int read = 0;
        while (read < length)
        {
            int n = await RandomAccess.ReadAsync(handle, _buffer.AsMemory(read, (int)length - read), read, cancellationToken).ConfigureAwait(false);
            if (n == 0)
                break;
            read += n;
        }
        return read;
    }

    private async ValueTask<int> DecodeWithFfmpegAsync(string file, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(_ffmpeg)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in (string[])["-hide_banner", "-nostdin", "-loglevel", "error", "-i", file, "-frames:v", "1", "-f", "image2pipe", "-c:v", "ppm", "-pix_fmt", "rgb24", "pipe:1"])
            psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi) ?? throw new FrameSourceException($"{Name}: could not start {_ffmpeg}");
        try
        {
            Task<string> stderr = p.StandardError.ReadToEndAsync(cancellationToken);
            Stream stdout = p.StandardOutput.BaseStream;
            int read = 0;
            while (true)
            {
                EnsureBuffer(read + 65536);
                int n = await stdout.ReadAsync(_buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                    break;
                read += n;
            }
            await p.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            string error = (await stderr.ConfigureAwait(false)).Trim();
            if (p.ExitCode != 0 || read == 0)
                throw new FrameSourceException($"{Name}: ffmpeg could not decode '{Path.GetFileName(file)}': {(error.Length > 0 ? error.ReplaceLineEndings(" | ") : $"exit code {p.ExitCode}")}");
            return read;
        }
        finally
        {
            if (!p.HasExited)
                p.Kill(entireProcessTree: true);
        }
    }

    private void EnsureBuffer(int length)
    {
        if (_buffer.Length < length)
            Array.Resize(ref _buffer, Math.Max(length, _buffer.Length * 2));
    }

    private static void SwapRedBlue(Span<byte> pixels)
    {
        for (int i = 0; i + 2 < pixels.Length; i += 3)
            (pixels[i], pixels[i + 2]) = (pixels[i + 2], pixels[i]);
    }

    public ValueTask DisposeAsync()
    {
        _timer?.Dispose();
        return ValueTask.CompletedTask;
    }
}
