using System.Diagnostics;
using EdgeAgent.Agent.Tests.Cli;
using EdgeAgent.Agent.Tests.Fleet.Infrastructure;

namespace EdgeAgent.Agent.Tests.Fleet;

/// <summary>Mistakes an operator can make: each is one line naming the problem and exit code 2, never a hang.</summary>
public sealed class FleetCliErrorTests : IDisposable
{
    private readonly FleetTestFiles _files = new();

    private static void AssertOneLineError(CliResult result, string expected)
    {
        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
    }

    private CliResult Deploy(string broker, params string[] extra) => CliRunner.Run([
        "fleet", "deploy", "--broker", broker, "--device", "cam-1", "--version", "2", .. extra]);

    [Fact]
    public void A_broker_uri_with_the_wrong_scheme_is_named()
    {
        AssertOneLineError(Deploy("http://localhost:1883", "--engine", _files.Engine(1000), "--sign-key", _files.PrivateKey),
            "broker URI 'http://localhost:1883' has scheme 'http'; use mqtt:// or mqtts://");
    }

    [Fact]
    public void A_missing_artifact_is_named_before_connecting()
    {
        AssertOneLineError(Deploy("mqtt://127.0.0.1:1", "--model", "/nonexistent/m.onnx", "--sign-key", _files.PrivateKey),
            "model file '/nonexistent/m.onnx' not found");
    }

    [Fact]
    public void An_engine_passed_as_a_model_and_a_model_as_an_engine_are_told_apart()
    {
        AssertOneLineError(Deploy("mqtt://127.0.0.1:1", "--model", _files.Engine(1000), "--sign-key", _files.PrivateKey), "pass it with --engine");
        AssertOneLineError(Deploy("mqtt://127.0.0.1:1", "--engine", _files.Onnx(1000), "--sign-key", _files.PrivateKey), "is not an EdgeAgent engine file");
    }

    [Fact]
    public void A_tls_file_that_is_not_a_certificate_is_named_before_connecting()
    {
        string notPem = Path.Combine(_files.Directory, "ca.pem");
        File.WriteAllText(notPem, "not a certificate");
        AssertOneLineError(Deploy("mqtts://127.0.0.1:1", "--engine", _files.Engine(1000), "--sign-key", _files.PrivateKey, "--ca-file", notPem),
            $"CA file '{notPem}' holds no PEM certificate");
    }

    [Fact]
    public void Keys_that_cannot_sign_are_refused()
    {
        string notPem = Path.Combine(_files.Directory, "garbage.pem");
        File.WriteAllText(notPem, "not a key");
        AssertOneLineError(Deploy("mqtt://127.0.0.1:1", "--engine", _files.Engine(1000), "--sign-key", notPem), "does not hold a PEM EC key");
        AssertOneLineError(Deploy("mqtt://127.0.0.1:1", "--engine", _files.Engine(1000), "--sign-key", _files.PublicKey), "holds only a public key");
        AssertOneLineError(Deploy("mqtt://127.0.0.1:1", "--engine", _files.Engine(1000), "--sign-key", "/nonexistent/k.pem"), "key file '/nonexistent/k.pem' not found");
    }

    [Fact]
    public void Bad_option_values_are_refused()
    {
        string engine = _files.Engine(1000);
        AssertOneLineError(Deploy("mqtt://127.0.0.1:1", "--engine", engine, "--model", _files.Onnx(100), "--sign-key", _files.PrivateKey), "exactly one of --model");
        AssertOneLineError(Deploy("mqtt://127.0.0.1:1", "--engine", engine, "--sign-key", _files.PrivateKey, "--chunk-size", "2000000"), "--chunk-size 2000000 is outside");
        AssertOneLineError(Deploy("mqtt://127.0.0.1:1", "--engine", engine, "--sign-key", _files.PrivateKey, "--precision", "int8"), "--precision applies to --model only");
        AssertOneLineError(Deploy("mqtt://127.0.0.1:1", "--model", _files.Onnx(100), "--sign-key", _files.PrivateKey, "--precision", "int4"), "--precision 'int4' is not");
        AssertOneLineError(CliRunner.Run("fleet", "status", "--broker", "mqtt://127.0.0.1:1", "--device", "cam/1"), "device id 'cam/1' may only contain");
        AssertOneLineError(Deploy("mqtt://127.0.0.1:1", "--engine", engine, "--sign-key", _files.PrivateKey, "--url", "ftp://x/e"), "--url 'ftp://x/e' is not");
    }

    [Fact]
    public void An_unsigned_deploy_is_refused_with_how_to_make_a_key()
    {
        AssertOneLineError(Deploy("mqtt://127.0.0.1:1", "--engine", _files.Engine(1000)), "--sign-key is required");
    }

    /// <summary>The real executable, so exit code, stderr and the absence of a stack trace are what a shell sees.</summary>
    [Fact]
    public async Task An_unreachable_broker_is_one_line_and_exit_2_from_the_real_process()
    {
        int port = TestBroker.FreePort(); // nothing listens there
        // 5 s, not 1: on a loaded two-core runner the process can still be starting its first attempt when a
        // 1 s deadline passes, and the reason then reads "no answer" instead of the refusal.
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "edgeagent.dll"),
            "fleet", "deploy", "--broker", $"mqtt://127.0.0.1:{port}", "--device", "cam-1", "--engine", _files.Engine(1000),
            "--version", "2", "--sign-key", _files.PrivateKey, "--connect-timeout", "5"])
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        Assert.Equal(2, process.ExitCode);
        string line = Assert.Single((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"error: broker mqtt://127.0.0.1:{port} is unreachable after 5 s (cannot reach mqtt://127.0.0.1:{port}: Connection refused); check --broker and that the broker runs", line);
        Assert.Equal("", await stdout);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
    }

    public void Dispose() => _files.Dispose();
}
