using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeAgent.Engine.Onnx;

namespace EdgeAgent.Agent.Cli;

/// <summary><c>edgeagent engine bench</c>: latency percentiles and throughput of an engine, optionally per layer.</summary>
public static class BenchCommand
{
    public static Command Build(TextWriter output)
    {
        var model = new Option<string?>("--model", "-m") { Description = "ONNX model file (built here first, tactics timed)" };
        var engine = new Option<string?>("--engine", "-e") { Description = "Engine file" };
        var timingCache = new Option<string?>("--timing-cache") { Description = "Timing cache for building from --model" };
        var verifyKey = new Option<string?>("--verify-key") { Description = "Public key the engine's signature must verify against" };
        var shapes = new Option<string[]>("--shape") { Description = "Shape for a dynamic input as NAME:1x3x640x640 (repeatable)" };
        var inputs = new Option<string[]>("--input", "-i") { Description = "Input tensor as [NAME=]FILE.npy (repeatable); random when omitted" };
        var backend = new Option<string>("--backend") { Description = "Execution backend (auto: the GPU when there is one, or the backend an engine file was built for)", DefaultValueFactory = _ => "auto" };
        backend.AcceptOnlyFromAmong("cpu", "cuda", "auto");
        var threads = new Option<int>("--threads") { Description = "CPU threads (default: one per core)", DefaultValueFactory = _ => 0 };
        var iterations = new Option<int>("--iterations") { Description = "Timed runs", DefaultValueFactory = _ => 100 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs first", DefaultValueFactory = _ => 10 };
        var profile = new Option<bool>("--profile") { Description = "Also time each layer and list the slowest" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var precision = new Option<string>("--precision") { Description = "For --model: fp32, or fp16 on the cuda backend", DefaultValueFactory = _ => "fp32" };
        precision.AcceptOnlyFromAmong("fp32", "fp16");
        var command = new Command("bench", "Measure an engine's latency and throughput") { model, engine, shapes, inputs, backend, precision, threads, iterations, warmup, profile, json, timingCache, verifyKey };
        command.SetAction(parse => Run(output, parse.GetValue(model), parse.GetValue(engine), parse.GetValue(shapes) ?? [], parse.GetValue(inputs) ?? [],
            parse.GetValue(threads), parse.GetValue(iterations), parse.GetValue(warmup), parse.GetValue(profile), parse.GetValue(json),
            parse.GetValue(timingCache), parse.GetValue(verifyKey), parse.GetValue(backend)!, parse.GetValue(precision)!));
        return command;
    }

    private static int Run(TextWriter output, string? modelPath, string? enginePath, string[] shapeSpecs, string[] inputSpecs, int threads,
        int iterations, int warmup, bool profile, bool json, string? timingCache, string? verifyKey, string backendName, string precision)
    {
        if (iterations < 1) throw new CliUsageException($"--iterations must be at least 1, got {iterations}");
        if (warmup < 0) throw new CliUsageException($"--warmup cannot be negative, got {warmup}");
        if (threads < 0) throw new CliUsageException($"--threads cannot be negative, got {threads}");
        EngineSource.RequireOne(modelPath, enginePath);
        var graph = modelPath is not null ? OnnxImporter.Load(modelPath) : EngineSource.ReadPlan(enginePath!, verifyKey).LoadGraph();
        var inputs = TensorArguments.ReadInputs(inputSpecs, graph.Graph);
        var shapes = TensorArguments.ParseShapes(shapeSpecs);
        foreach (var (name, tensor) in inputs) shapes[name] = Engine.Graph.TensorShape.Of(tensor.Shape);
        var buildClock = Stopwatch.StartNew();
        var engine = EngineSource.Open(modelPath, enginePath, shapes, verifyKey, backendName, threads, timingCache, autotune: true, precision);
        buildClock.Stop();
        string source = Path.GetFileName(modelPath ?? enginePath!);
        TensorArguments.FillRandom(inputs, engine.Model.Graph, 1);

        using var context = engine.CreateContext(threads);
        foreach (var (name, tensor) in inputs) context.SetInput(name, tensor);
        for (int i = 0; i < warmup; i++) context.Execute();
        var times = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            context.Execute();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        double Percentile(double p) => times[Math.Min(times.Length - 1, (int)Math.Ceiling(p * times.Length) - 1)];
        double median = Percentile(0.5);

        if (json)
        {
            var result = new Dictionary<string, object>
            {
                ["model"] = source,
                ["backend"] = engine.Backend.Name,
                ["precision"] = PrecisionOf(engine),
                ["threads"] = context.Threads,
                ["iterations"] = iterations,
                ["median_ms"] = Math.Round(median, 4),
                ["p90_ms"] = Math.Round(Percentile(0.9), 4),
                ["p99_ms"] = Math.Round(Percentile(0.99), 4),
                ["min_ms"] = Math.Round(times[0], 4),
                ["throughput_per_s"] = Math.Round(1000.0 / median, 2),
                ["arena_bytes"] = engine.Plan.ArenaBytes,
            };
            output.WriteLine(JsonSerializer.Serialize(result));
            return 0;
        }
        output.WriteLine($"model {source}, backend {engine.Backend.Name}, {PrecisionOf(engine)}, {context.Threads} thread(s), " +
            $"{string.Join(", ", engine.Inputs.Select(i => $"{i.Name} {string.Join("x", i.Shape)}"))}");
        output.WriteLine($"{(enginePath is null ? "built" : "loaded")} in {buildClock.Elapsed.TotalMilliseconds:F0} ms: {engine.Layers.Count} layers, {engine.Plan}");
        if (engine.Backend is Engine.Backends.Cuda.CudaBackend gpu)
            output.WriteLine($"kernel modules: {gpu.Kernels.FromEngine} from the engine file, {gpu.Kernels.FromDisk} from the kernel cache, {gpu.Kernels.Compiled} compiled");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"latency over {iterations} runs: median {median:F3} ms, p90 {Percentile(0.9):F3} ms, p99 {Percentile(0.99):F3} ms, min {times[0]:F3} ms"));
        output.WriteLine($"throughput {1000.0 / median:F1} inferences/s");
        if (profile) Profile(output, engine, context, Math.Min(iterations, 20));
        return 0;
    }

    private static void Profile(TextWriter output, Engine.Runtime.InferenceEngine engine, Engine.Runtime.InferenceContext context, int runs)
    {
        context.Profiling = true;
        context.ResetProfile();
        for (int i = 0; i < runs; i++) context.Execute();
        context.Profiling = false;
        var perLayer = context.LayerTimes.Select((t, i) => (Index: i, Ms: t.TotalMilliseconds / runs)).ToList();
        double total = perLayer.Sum(l => l.Ms);
        output.WriteLine($"per layer (mean of {runs} runs, {total:F3} ms in layers):");
        var peak = engine.Backend as Engine.Runtime.IPeakRate;
        foreach (var (index, ms) in perLayer.OrderByDescending(l => l.Ms).Take(15))
        {
            var node = engine.Order[index];
            output.WriteLine($"  {ms,8:F3} ms {100 * ms / total,5:F1}%  {Rate(node, ms, peak),-20} {engine.DescribeLayer(index),-28} {node.DisplayName} [{string.Join("x", node.Outputs[0].Shape!.ToInts())}] {engine.Tactics[index]}");
        }
        var counted = perLayer.Select(l => (l.Ms, Node: engine.Order[l.Index], Ops: Engine.Runtime.LayerWork.Operations(engine.Order[l.Index])))
            .Where(l => l.Ops is not null).ToList();
        if (counted.Count > 0)
        {
            double ops = counted.Sum(l => (double)l.Ops!.Value), ms = counted.Sum(l => l.Ms);
            // Layers on different units (INT8 and FP16 tensor cores) each count against their own peak.
            var peaks = counted.Select(l => peak?.PeakOperationsPerSecond(l.Node)).ToList();
            string share = peaks.All(p => p is not null) && ms > 0
                ? string.Create(CultureInfo.InvariantCulture, $" ({100 * counted.Select((l, i) => l.Ops!.Value / peaks[i]!.Value).Sum() / (ms * 1e-3):F1}% of peak)") : "";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"convolutions and matrix products: {ops / 1e9:F2} G operations in {ms:F3} ms, {ops / (ms * 1e-3) / 1e12:F2} T/s{share}"));
            if (peak is not null)
                foreach (var unit in engine.Order.Where(n => Engine.Runtime.LayerWork.Operations(n) is not null).Select(n => (Peak: peak.PeakOperationsPerSecond(n), Text: peak.DescribePeak(n)))
                    .Where(u => u.Peak is not null).DistinctBy(u => u.Text))
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  peak {unit.Peak!.Value / 1e12:F0} T/s dense: {unit.Text}"));
        }
        output.WriteLine("by op:");
        foreach (var group in perLayer.GroupBy(l => engine.Order[l.Index].OpType).OrderByDescending(g => g.Sum(l => l.Ms)))
            output.WriteLine($"  {group.Sum(l => l.Ms),8:F3} ms {100 * group.Sum(l => l.Ms) / total,5:F1}%  {group.Key} x{group.Count()}");
    }

    /// <summary>"12.3 T/s 4.5%": achieved operations per second, and the share of the device's peak where the backend knows it.</summary>
    private static string Rate(Engine.Graph.Node node, double ms, Engine.Runtime.IPeakRate? peak)
    {
        if (Engine.Runtime.LayerWork.Operations(node) is not { } ops || ms <= 0) return "";
        double rate = ops / (ms * 1e-3);
        return (rate >= 1e12 ? string.Create(CultureInfo.InvariantCulture, $"{rate / 1e12,6:F2} T/s") : string.Create(CultureInfo.InvariantCulture, $"{rate / 1e9,6:F1} G/s")) +
            (peak?.PeakOperationsPerSecond(node) is { } p ? string.Create(CultureInfo.InvariantCulture, $" {100 * rate / p,5:F1}%") : "");
    }

    private static string PrecisionOf(Engine.Runtime.InferenceEngine engine) =>
        engine.Backend is Engine.Backends.Cuda.CudaBackend cuda ? cuda.Precision : "fp32";
}
