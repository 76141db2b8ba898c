using System.Diagnostics;

namespace EdgeAgent.Telemetry.Tests.Infrastructure;

/// <summary>
/// Runs this test assembly as a separate process in one of its helper modes (see
/// <see cref="HelperProgram"/>), so tests can kill a real client process mid-flight.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public static async Task<ChildProcess> StartAsync(string readyLine, CancellationToken cancellationToken, params string[] arguments)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("helper process did not start");
        var child = new ChildProcess(process);
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(cancellationToken);
                if (line is null)
                    throw new InvalidOperationException($"helper exited before '{readyLine}': {await process.StandardError.ReadToEndAsync(cancellationToken)}");
                if (line == readyLine) return child;
            }
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL: no finalizers, no DISCONNECT, no flush; exactly a crash.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }
}
