using System.Diagnostics;

namespace EdgeAgent.Camera.Tests.Support;

/// <summary>
/// Two pseudo-terminals joined by socat: what one end writes, the other reads, through the real
/// tty layer (termios applies). Stands in for a USB serial adapter and a PLC on the other end.
/// </summary>
public sealed class PtyPair : IDisposable
{
    private readonly Process _socat;
    private readonly string _dir;
    private readonly ManualResetEventSlim _ready = new();

    public PtyPair()
        : this(Path.Combine(Path.GetTempPath(), "edgeagent-pty-" + Guid.NewGuid().ToString("N")[..8], "a"), null)
    {
    }

    /// <summary>A pair at the given link names (both in one folder): a serial adapter plugged back in under its old name.</summary>
    public PtyPair(string a, string? b)
    {
        _dir = Path.GetDirectoryName(a)!;
        Directory.CreateDirectory(_dir);
        A = a;
        B = b ?? Path.Combine(_dir, "b");
        var psi = new ProcessStartInfo("socat") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in (string[])["-d", "-d", $"pty,raw,echo=0,link={A}", $"pty,raw,echo=0,link={B}"])
            psi.ArgumentList.Add(arg);
        _socat = Process.Start(psi)!;
        // The links appear before socat has finished setting the ptys up; bytes written in that
        // window can be lost. Its "starting data transfer loop" notice says it is ready.
        var ready = _ready;
        _socat.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("starting data transfer loop", StringComparison.Ordinal) == true)
                ready.Set();
        };
        _socat.BeginErrorReadLine();
        if (!ready.Wait(TimeSpan.FromSeconds(10)) || !File.Exists(A) || !File.Exists(B))
        {
            Dispose();
            throw new InvalidOperationException("socat did not set up the pty pair");
        }
    }

    public string A { get; }

    public string B { get; }

    public void Dispose()
    {
        try
        {
            if (!_socat.HasExited)
                _socat.Kill();
            _socat.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        _socat.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
