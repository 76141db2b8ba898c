using System.Diagnostics;

namespace EdgeAgent.Camera.Tests.Support;

/// <summary>
/// Test clips made by the real ffmpeg (testsrc2 with a drawn frame counter), once per test run,
/// in a temporary directory deleted at the end.
/// </summary>
public sealed class TestClips : IDisposable
{
    public TestClips()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgeagent-camera-tests-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(Directory);
        // 2 s, 30 fps, 320x240 H.264 with the moov atom at the end (no faststart), so cutting the
        // file short loses the index: a realistic truncated recording.
        Mp4 = System.IO.Path.Combine(Directory, "clip.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
            "-vf", "drawtext=text='SN %{frame_num}':fontsize=28:fontcolor=white:box=1:boxcolor=black:x=10:y=10",
            "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", Mp4);
    }

    public string Directory { get; }

    public string Mp4 { get; }

    public const int Mp4Frames = 60;

    public string Path(string name) => System.IO.Path.Combine(Directory, name);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public static class Ffmpeg
{
    public static void Run(params string[] args)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in (string[])["-hide_banner", "-nostdin", "-loglevel", "error", "-y", .. args])
            psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(true);
            throw new TimeoutException("ffmpeg " + string.Join(' ', args));
        }
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"ffmpeg failed ({p.ExitCode}): {err}");
    }

    /// <summary>Starts a long-running ffmpeg (a stream server); the caller kills it.</summary>
    public static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (string a in (string[])["-hide_banner", "-nostdin", "-loglevel", "error", "-y", .. args])
            psi.ArgumentList.Add(a);
        Process p = Process.Start(psi)!;
        p.ErrorDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        return p;
    }

    public static void Stop(Process p)
    {
        try
        {
            if (!p.HasExited)
                p.Kill(true);
            p.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        p.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ClipCollection : ICollectionFixture<TestClips>
{
    public const string Name = "clips";
}

/// <summary>
/// Tests that measure rates and ages: they run alone, after the parallel ones, because on a
/// two-core machine concurrent ffmpeg decodes would make their clocks lie.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection : ICollectionFixture<TestClips>
{
    public const string Name = "timing";
}
