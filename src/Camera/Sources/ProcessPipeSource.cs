using System.Runtime.CompilerServices;
using System.ComponentModel;
using System.Diagnostics;
using System.Text.RegularExpressions;
using EdgeAgent.Camera.Diagnostics;
using EdgeAgent.Camera.Frames;

namespace EdgeAgent.Camera.Sources;

/// <summary>
/// Runs a decoder child process (ffmpeg or gst-launch) that writes headerless packed frames to
/// stdout, and cuts that byte stream into frames. stderr goes to the log and its tail into error
/// messages. The child dies with the source, and a watchdog kills it when it stops delivering, so a
/// hung network read turns into an error the resilient wrapper can restart from.
/// </summary>
public sealed partial class ProcessPipeSource : IFrameSource
{
    private const int StderrTailLines = 6;

    private readonly string _executable;
    private readonly IReadOnlyList<string> _arguments;
    private readonly TimeSpan _stallTimeout;
    private readonly ICameraLog _log;
    private readonly Queue<string> _stderrTail = new();
    private readonly TaskCompletionSource<FrameGeometry> _detectedGeometry = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FrameGeometry? _geometry;
    private PixelFormat _format;
    private Process? _process;
    private Stream? _stdout;
    private Task? _stderrPump;
    private Timer? _watchdog;
    private long _lastProgress;
    private volatile bool _stalled;
    private long _nextId;
    private bool _sawOutputHeader;

    /// <param name="geometry">Known frame geometry, or null to learn it from ffmpeg's output stream line.</param>
    /// <param name="formatIfDetected">The pixel format requested from the child when the size is detected.</param>
    public ProcessPipeSource(
        string name,
        string executable,
        IReadOnlyList<string> arguments,
        FrameGeometry? geometry,
        PixelFormat formatIfDetected,
        TimeSpan stallTimeout,
        ICameraLog? log = null)
    {
        Name = name;
        _executable = executable;
        _arguments = arguments;
        _geometry = geometry;
        _format = formatIfDetected;
        _stallTimeout = stallTimeout;
        _log = log ?? NullCameraLog.Instance;
    }

    public string Name { get; }

    public FrameGeometry Geometry => _geometry ?? throw new InvalidOperationException($"{Name}: geometry is known only after StartAsync");

    /// <summary>The child's process id while it runs (tests kill it to simulate a crash).</summary>
    internal int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        if (_process is not null)
            throw new InvalidOperationException($"{Name}: already started");
        var psi = new ProcessStartInfo(_executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in _arguments)
            psi.ArgumentList.Add(a);
        try
        {
            _process = Process.Start(psi) ?? throw new FrameSourceException($"{Name}: could not start {_executable}");
        }
        catch (Win32Exception ex)
        {
            throw new CameraConfigException($"camera source '{Name}': cannot run '{_executable}' ({ex.Message}); install it or put it on PATH", ex);
        }
        _process.StandardInput.Close();
        _stdout = _process.StandardOutput.BaseStream;
        PipeCapacity.TryEnlarge(_stdout, _geometry?.ByteCount ?? 0);
        _stderrPump = Task.Run(PumpStderrAsync, CancellationToken.None);
        _log.Write(CameraLogLevel.Information, $"{Name}: started {_executable} (pid {_process.Id})");

        Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());
        var period = TimeSpan.FromMilliseconds(Math.Clamp(_stallTimeout.TotalMilliseconds / 4, 50, 1000));
        _watchdog = new Timer(static s => ((ProcessPipeSource)s!).CheckStall(), this, period, period);

        if (_geometry is null)
            _geometry = await _detectedGeometry.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    // Pooled builder: a read that completes asynchronously reuses its state machine instead of
    // allocating one per frame.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<FrameInfo?> ReadFrameAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        Stream stdout = _stdout ?? throw new InvalidOperationException($"{Name}: not started");
        FrameGeometry geometry = Geometry;
        int size = geometry.ByteCount;
        if (destination.Length < size)
            throw new ArgumentException($"buffer of {destination.Length} bytes is smaller than a {geometry} frame ({size} bytes)", nameof(destination));

        int filled = 0;
        while (filled < size)
        {
            int n = await stdout.ReadAsync(destination[filled..size], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (filled == 0)
                    return await EndOfStreamAsync(cancellationToken).ConfigureAwait(false);
                throw Failure($"stream ended in the middle of a frame ({filled} of {size} bytes)");
            }
            filled += n;
            Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());
        }
        return new FrameInfo(_nextId++, Stopwatch.GetTimestamp(), geometry);
    }

    private async ValueTask<FrameInfo?> EndOfStreamAsync(CancellationToken cancellationToken)
    {
        Process process = _process!;
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            wait.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw Failure("closed its output but did not exit");
            }
        }
        // Let the stderr pump drain so the error message carries ffmpeg's last words.
        if (_stderrPump is not null)
            await _stderrPump.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        if (_stalled)
            throw Failure($"delivered nothing for {_stallTimeout.TotalSeconds:0.#} s; killed it");
        if (process.ExitCode != 0)
            throw Failure($"exited with code {process.ExitCode}");
        _log.Write(CameraLogLevel.Information, $"{Name}: end of stream after {_nextId} frames");
        return null;
    }

    private FrameSourceException Failure(string what)
    {
        string tail;
        lock (_stderrTail)
            tail = string.Join(" | ", _stderrTail);
        return new FrameSourceException(tail.Length == 0
            ? $"{Name}: {_executable} {what}"
            : $"{Name}: {_executable} {what}: {tail}");
    }

    private void CheckStall()
    {
        Process? p = _process;
        if (p is null || _stalled)
            return;
        if (Stopwatch.GetElapsedTime(Volatile.Read(ref _lastProgress)) < _stallTimeout)
            return;
        _stalled = true;
        _log.Write(CameraLogLevel.Warning, $"{Name}: no data for {_stallTimeout.TotalSeconds:0.#} s; killing {_executable}");
        TryKill(p);
    }

    private async Task PumpStderrAsync()
    {
        StreamReader stderr = _process!.StandardError;
        try
        {
            while (await stderr.ReadLineAsync().ConfigureAwait(false) is { } raw)
            {
                if (raw.Length == 0)
                    continue;
                // ffmpeg quotes its input URL, password included; keep that out of logs and errors.
                string line = FrameSourceUri.RedactAll(raw);
                _log.Write(CameraLogLevel.Debug, $"{Name}: {line}");
                if (_geometry is null)
                    DetectGeometry(line);
                if (line.StartsWith(' ') && !line.Contains("Error", StringComparison.OrdinalIgnoreCase))
                    continue; // indented stream/metadata details: not worth an error message
                lock (_stderrTail)
                {
                    _stderrTail.Enqueue(line.Trim());
                    while (_stderrTail.Count > StderrTailLines)
                        _stderrTail.Dequeue();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The child is gone; nothing more to read.
        }
        finally
        {
            if (_geometry is null)
                _detectedGeometry.TrySetException(Failure("exited before announcing its output size"));
        }
    }

    private void DetectGeometry(string line)
    {
        if (line.StartsWith("Output #0", StringComparison.Ordinal))
        {
            _sawOutputHeader = true;
            return;
        }
        if (!_sawOutputHeader || !line.Contains("Video: rawvideo", StringComparison.Ordinal))
            return;
        Match m = OutputSize().Match(line);
        if (m.Success)
            _detectedGeometry.TrySetResult(new FrameGeometry(int.Parse(m.Groups[1].ValueSpan), int.Parse(m.Groups[2].ValueSpan), _format));
    }

    [GeneratedRegex(@", (\d{1,5})x(\d{1,5})[ ,\[]")]
    private static partial Regex OutputSize();

    private static void TryKill(Process p)
    {
        try
        {
            if (!p.HasExited)
                p.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception)
        {
            // Already exited.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_watchdog is not null)
            await _watchdog.DisposeAsync().ConfigureAwait(false);
        Process? p = _process;
        if (p is null)
            return;
        TryKill(p);
        try
        {
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            if (_stderrPump is not null)
                await _stderrPump.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _log.Write(CameraLogLevel.Warning, $"{Name}: {_executable} (pid {p.Id}) did not exit after kill");
        }
        p.Dispose();
    }
}
