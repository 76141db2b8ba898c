using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAgent.Agent.Tests.Cli;

namespace EdgeAgent.Agent.Tests.EndToEnd;

/// <summary>
/// The real agent as a separate process (<c>dotnet edgeagent.dll run --config FILE</c>), so tests
/// can SIGKILL it mid-deployment and start it again on the same state folder.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AgentProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>The agent entry assembly next to the tests (its runtimeconfig keeps tiered compilation off).</summary>
    public static string AgentDll
    {
        get
        {
            string local = Path.Combine(AppContext.BaseDirectory, "edgeagent.dll");
            if (File.Exists(Path.Combine(AppContext.BaseDirectory, "edgeagent.runtimeconfig.json"))) return local;
            foreach (var config in new[] { "Release", "Debug" })
            {
                string built = Path.Combine(CliRunner.RepositoryRoot, "src", "Agent", "bin", config, "net10.0", "edgeagent.dll");
                if (File.Exists(built)) return built;
            }
            throw new FileNotFoundException("edgeagent.dll with its runtimeconfig was not found; build src/Agent first");
        }
    }

    public static AgentProcess Start(string configPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(AgentDll);
        info.ArgumentList.Add("run");
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(configPath);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        return new AgentProcess(Process.Start(info) ?? throw new InvalidOperationException("the agent did not start"));
    }

    /// <summary>Waits for a log line containing <paramref name="text"/>; fails with the agent's output.</summary>
    public async Task WaitForLogAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited) throw new InvalidOperationException($"agent exited ({_process.ExitCode}) before logging '{text}':\n{Output}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"agent did not log '{text}' within {timeout.TotalSeconds} s:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a power cut for the process.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as systemd stops the service; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            Kill(_process.Id, 15);
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                await KillAsync();
                throw new TimeoutException($"agent did not stop within {timeout.TotalSeconds} s after SIGTERM:\n{Output}");
            }
        }
        return _process.ExitCode;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    public static string WriteConfig(string directory, JsonObject config)
    {
        string path = Path.Combine(directory, "agent.json");
        File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }
}
