using System.Diagnostics;
using EdgeAgent.Agent.Tests.Cli;

namespace EdgeAgent.Agent.Tests.Fleet.Install;

/// <summary>
/// deploy/systemd: the unit passes systemd's own checks and has the settings the agent relies on;
/// install.sh stages, re-runs idempotently and uninstalls, always below a temp --root (never this machine).
/// </summary>
public sealed class SystemdInstallTests : IDisposable
{
    private static readonly string Deploy = Path.Combine(CliRunner.RepositoryRoot, "deploy", "systemd");
    private readonly string _root = Directory.CreateTempSubdirectory("edgeagent-install-").FullName;

    private static Dictionary<string, List<string>> ServiceKeys()
    {
        var keys = new Dictionary<string, List<string>>();
        string section = "";
        foreach (var raw in File.ReadAllLines(Path.Combine(Deploy, "edgeagent.service")))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith('[')) { section = line; continue; }
            int eq = line.IndexOf('=');
            string key = section + line[..eq];
            if (!keys.TryGetValue(key, out var values)) keys[key] = values = [];
            values.Add(line[(eq + 1)..]);
        }
        return keys;
    }

    [Fact]
    public void The_unit_has_notify_watchdog_restart_state_and_hardening()
    {
        var keys = ServiceKeys();
        string One(string key) => Assert.Single(keys["[Service]" + key]);
        Assert.Equal("notify", One("Type"));
        Assert.Equal("/usr/local/bin/edgeagent run --config /etc/edgeagent/agent.json", One("ExecStart"));
        Assert.Equal("always", One("Restart"));
        Assert.True(int.Parse(One("WatchdogSec")) > 0);
        Assert.Equal("edgeagent", One("StateDirectory"));
        Assert.Equal("edgeagent", One("LogsDirectory"));
        Assert.Equal("edgeagent", One("User"));
        Assert.Contains("video", One("SupplementaryGroups").Split(' '));
        Assert.Contains("dialout", One("SupplementaryGroups").Split(' '));
        Assert.Equal("yes", One("NoNewPrivileges"));
        Assert.Equal("strict", One("ProtectSystem"));
        Assert.Equal("yes", One("ProtectHome"));
        Assert.Equal("yes", One("PrivateTmp"));
        Assert.Equal(["/var/lib/edgeagent", "/var/log/edgeagent"], One("ReadWritePaths").Split(' '));
        Assert.Equal("closed", One("DevicePolicy"));
        var allowed = keys["[Service]DeviceAllow"].Select(v => v.Split(' ')[0]).ToHashSet();
        foreach (var device in new[] { "char-nvidia-frontend", "char-nvidia-uvm", "/dev/nvhost-ctrl-gpu", "/dev/nvmap", "char-video4linux", "char-ttyUSB", "char-ttyACM", "char-ttyTHS" })
            Assert.Contains(device, allowed);
        Assert.Equal("multi-user.target", Assert.Single(keys["[Install]WantedBy"]));
    }

    [Fact]
    public async Task Systemd_analyze_verify_finds_nothing_to_complain_about()
    {
        if (!File.Exists("/usr/bin/systemd-analyze") && !File.Exists("/bin/systemd-analyze"))
            Assert.Fail("systemd-analyze is missing (apt package systemd; scripts/setup.sh installs it)");
        // verify insists that ExecStart exists; point it at a binary that does.
        string unit = Path.Combine(_root, "edgeagent.service");
        File.WriteAllText(unit, File.ReadAllText(Path.Combine(Deploy, "edgeagent.service")).Replace("/usr/local/bin/edgeagent", "/bin/true"));
        var (code, output) = await RunAsync("systemd-analyze", "verify", unit);
        Assert.True(code == 0 && output.Trim().Length == 0, $"systemd-analyze verify ({code}): {output}");
    }

    [Fact]
    public async Task Install_stages_binary_unit_and_config_is_idempotent_and_uninstall_keeps_the_config()
    {
        string config = Path.Combine(_root, "agent.json");
        File.WriteAllText(config, "{ \"Agent\": { \"DeviceId\": \"cam-1\" } }");
        string staged = Directory.CreateDirectory(Path.Combine(_root, "sysroot")).FullName;

        var (code, output) = await InstallAsync("--root", staged, "--binary", "/bin/true", "--config", config);
        Assert.True(code == 0, output);
        string bin = Path.Combine(staged, "usr/local/bin/edgeagent");
        string unit = Path.Combine(staged, "etc/systemd/system/edgeagent.service");
        string installedConfig = Path.Combine(staged, "etc/edgeagent/agent.json");
        Assert.Equal(File.ReadAllBytes("/bin/true"), File.ReadAllBytes(bin));
        Assert.Equal(File.ReadAllText(Path.Combine(Deploy, "edgeagent.service")), File.ReadAllText(unit));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                     | UnixFileMode.OtherRead | UnixFileMode.OtherExecute, File.GetUnixFileMode(bin));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(installedConfig));
        Assert.Contains("skipped (--root): systemctl enable --now edgeagent.service", output);

        // A second run with a changed config changes nothing: the operator's edits on the device win.
        File.WriteAllText(config, "{ \"Agent\": { \"DeviceId\": \"other\" } }");
        (code, output) = await InstallAsync("--root", staged, "--binary", "/bin/true", "--config", config);
        Assert.True(code == 0, output);
        Assert.Contains("unchanged " + bin, output);
        Assert.Contains("unchanged " + unit, output);
        Assert.Contains("kept existing " + installedConfig, output);
        Assert.DoesNotContain("try-restart", output);
        Assert.Contains("cam-1", File.ReadAllText(installedConfig));

        (code, output) = await InstallAsync("--root", staged, "--uninstall");
        Assert.True(code == 0, output);
        Assert.False(File.Exists(bin));
        Assert.False(File.Exists(unit));
        Assert.True(File.Exists(installedConfig));
    }

    [Theory]
    [InlineData("missing-binary", "binary '/nonexistent/edgeagent' does not exist")]
    [InlineData("not-elf", "is not an ELF executable")]
    [InlineData("bad-json", "is not valid JSON")]
    [InlineData("missing-config", "config '/nonexistent/agent.json' does not exist")]
    [InlineData("unknown-option", "unknown option '--frobnicate'")]
    public async Task Install_errors_are_one_line_and_exit_2(string problem, string expected)
    {
        string staged = Directory.CreateDirectory(Path.Combine(_root, "sysroot")).FullName;
        string config = Path.Combine(_root, "agent.json");
        File.WriteAllText(config, problem == "bad-json" ? "{ nope" : "{}");
        string script = Path.Combine(_root, "script.sh");
        File.WriteAllText(script, "#!/bin/sh\necho hi\n");
        string[] args = problem switch
        {
            "missing-binary" => ["--binary", "/nonexistent/edgeagent", "--config", config],
            "not-elf" => ["--binary", script, "--config", config],
            "missing-config" => ["--binary", "/bin/true", "--config", "/nonexistent/agent.json"],
            "unknown-option" => ["--frobnicate"],
            _ => ["--binary", "/bin/true", "--config", config],
        };
        var (code, output) = await InstallAsync(["--root", staged, .. args]);
        Assert.Equal(2, code);
        string line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("error"));
        Assert.Contains(expected, line);
        Assert.False(File.Exists(Path.Combine(staged, "usr/local/bin/edgeagent")));
    }

    private static Task<(int, string)> InstallAsync(params string[] args) => RunAsync("bash", [Path.Combine(Deploy, "install.sh"), .. args]);

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
