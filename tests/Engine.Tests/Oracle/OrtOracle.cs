using System.Diagnostics;
using System.Text.Json;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Tests.Oracle;

/// <summary>Latency of a model in ONNX Runtime, as printed by tests/oracle/ort-run.js --bench.</summary>
public sealed record OrtBenchResult(double MedianMs, double P90Ms, double P99Ms, double MinMs, int Iterations, int Threads);

/// <summary>
/// Runs models in ONNX Runtime (onnxruntime-node, installed by scripts/setup.sh) through
/// tests/oracle/ort-run.js, exchanging tensors as .npy files. ORT is the independent answer
/// every EdgeAgent backend is checked against.
/// </summary>
public static class OrtOracle
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>The repository root: the nearest ancestor of the test binaries holding tests/oracle/ort-run.js.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string ScriptPath => Path.Combine(RepositoryRoot, "tests", "oracle", "ort-run.js");

    /// <summary>Runs <paramref name="modelPath"/> on <paramref name="inputs"/> and returns every output by name, in graph order.</summary>
    public static Dictionary<string, Tensor> Run(string modelPath, IReadOnlyDictionary<string, Tensor> inputs, int threads = 1)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"edgeagent-ort-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var args = new List<string> { "--model", Path.GetFullPath(modelPath), "--threads", threads.ToString() };
            int i = 0;
            foreach (var (name, tensor) in inputs)
            {
                // Files are numbered, not named after inputs: input names may hold any character.
                string file = Path.Combine(dir, $"input{i++}.npy");
                NpyFile.Write(file, tensor);
                args.Add("--input");
                args.Add($"{name}={file}");
            }
            string outputDir = Path.Combine(dir, "out");
            args.Add("--output-dir");
            args.Add(outputDir);

            using var json = JsonDocument.Parse(RunNode(args));
            var outputs = new Dictionary<string, Tensor>();
            foreach (var output in json.RootElement.GetProperty("outputs").EnumerateArray())
            {
                string name = output.GetProperty("name").GetString()!;
                outputs[name] = NpyFile.Read(output.GetProperty("file").GetString()!);
            }
            return outputs;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Times <paramref name="modelPath"/> in ORT (sequential, one inter-op thread, full graph
    /// optimization). Inputs left out are filled with seeded noise of their declared shape.
    /// </summary>
    public static OrtBenchResult Bench(string modelPath, IReadOnlyDictionary<string, Tensor>? inputs = null,
        int iterations = 50, int warmup = 5, int threads = 1)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"edgeagent-ort-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var args = new List<string>
            {
                "--model", Path.GetFullPath(modelPath), "--bench", "--iterations", iterations.ToString(),
                "--warmup", warmup.ToString(), "--threads", threads.ToString(),
            };
            int i = 0;
            foreach (var (name, tensor) in inputs ?? new Dictionary<string, Tensor>())
            {
                string file = Path.Combine(dir, $"input{i++}.npy");
                NpyFile.Write(file, tensor);
                args.Add("--input");
                args.Add($"{name}={file}");
            }
            using var json = JsonDocument.Parse(RunNode(args));
            var r = json.RootElement;
            return new OrtBenchResult(
                r.GetProperty("median_ms").GetDouble(), r.GetProperty("p90_ms").GetDouble(),
                r.GetProperty("p99_ms").GetDouble(), r.GetProperty("min_ms").GetDouble(),
                r.GetProperty("iterations").GetInt32(), r.GetProperty("threads").GetInt32());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string RunNode(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ScriptPath);
        foreach (string a in args) start.ArgumentList.Add(a);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run node for the ONNX Runtime oracle ({e.Message}); run ./scripts/setup.sh", e);
        }
        using (process)
        {
            // Read both pipes concurrently: a child blocked on a full stderr pipe would never exit.
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"ort-run.js did not finish within {Timeout.TotalMinutes} minutes: node {string.Join(' ', start.ArgumentList)}");
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"ort-run.js failed (exit {process.ExitCode}): {stderr.Result.Trim()}");
            return stdout.Result;
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "tests", "oracle", "ort-run.js"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no tests/oracle/ort-run.js above {AppContext.BaseDirectory}");
    }
}
