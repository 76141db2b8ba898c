using System.CommandLine;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Format;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Quantization;
using Spectre.Console;

namespace EdgeAgent.Agent.Cli;

/// <summary><c>edgeagent engine build</c>: model → tuned, serialized engine for this device.</summary>
public static class BuildCommand
{
    public static Command Build(TextWriter output)
    {
        var model = new Option<string>("--model", "-m") { Description = "ONNX model file", Required = true };
        var outPath = new Option<string>("--out", "-o") { Description = "Engine file to write", Required = true };
        var backend = new Option<string>("--backend") { Description = "Backend to build for", DefaultValueFactory = _ => "cpu" };
        backend.AcceptOnlyFromAmong("cpu", "cuda", "auto");
        var precision = new Option<string>("--precision") { Description = "fp32, fp16, int8 or best", DefaultValueFactory = _ => "fp32" };
        precision.AcceptOnlyFromAmong("fp32", "fp16", "int8", "best");
        var shapes = new Option<string[]>("--shapes", "--shape") { Description = "Fixed shape for a dynamic input, NAME:1x3x640x640 (repeatable)" };
        var minShapes = new Option<string[]>("--min-shapes") { Description = "Smallest shape per input of the optimization profile" };
        var optShapes = new Option<string[]>("--opt-shapes") { Description = "Shape per input the engine is tuned for" };
        var maxShapes = new Option<string[]>("--max-shapes") { Description = "Largest shape per input of the optimization profile" };
        var timingCache = new Option<string?>("--timing-cache") { Description = "Timing cache file (read, then updated)" };
        var signKey = new Option<string?>("--sign-key") { Description = "PEM P-256 private key to sign the engine with" };
        var threads = new Option<int>("--threads") { Description = "Threads for tuning and the most a context may use (default: cores)" };
        var noTune = new Option<bool>("--no-autotune") { Description = "Use each layer's default tactic instead of timing them" };
        var layout = new Option<string>("--layout")
        {
            Description = "auto: the backend picks channels-last where its kernels want it (INT8 on tensor cores); nchw: every layer NCHW",
            DefaultValueFactory = _ => "auto",
        };
        layout.AcceptOnlyFromAmong("auto", "nchw");
        var calib = new Option<string?>("--calib") { Description = "Folder of calibration images or .npy inputs (int8, best)" };
        var calibMethod = new Option<string>("--calib-method") { Description = "Calibrator: entropy, minmax or percentile", DefaultValueFactory = _ => "entropy" };
        calibMethod.AcceptOnlyFromAmong("entropy", "minmax", "percentile");
        var calibCache = new Option<string?>("--calib-cache") { Description = "Calibration cache file: read when it matches model and method, else written" };
        var calibCount = new Option<int>("--calib-count") { Description = "Use the first N calibration files (default: all)" };
        var calibPreprocess = new Option<string>("--calib-preprocess")
        {
            Description = $"Image pre-processing: {string.Join(", ", CalibrationData.Presets)}, or a PreprocessConfig JSON file", DefaultValueFactory = _ => "imagenet",
        };
        var sensitivity = new Option<double>("--sensitivity-threshold")
        {
            Description = "best: layers whose INT8 output error (rel L2) exceeds this stay FP32", DefaultValueFactory = _ => new CalibrationOptions().SensitivityThreshold,
        };
        var command = new Command("build", "Build an engine for this device from an ONNX model")
        {
            model, outPath, backend, precision, shapes, minShapes, optShapes, maxShapes, timingCache, signKey, threads, noTune, layout,
            calib, calibMethod, calibCache, calibCount, calibPreprocess, sensitivity,
        };
        command.SetAction(parse => Run(output, parse.GetValue(model)!, parse.GetValue(outPath)!, parse.GetValue(backend)!, parse.GetValue(precision)!,
            parse.GetValue(shapes) ?? [], Profile(parse.GetValue(minShapes), parse.GetValue(optShapes), parse.GetValue(maxShapes)),
            parse.GetValue(timingCache), parse.GetValue(signKey), parse.GetValue(threads), !parse.GetValue(noTune), parse.GetValue(layout) == "auto", parse.GetValue(CommandLine.Verbose),
            new CalibrationArguments(parse.GetValue(calib), parse.GetValue(calibMethod)!, parse.GetValue(calibCache), parse.GetValue(calibCount),
                parse.GetValue(calibPreprocess)!, parse.GetValue(sensitivity))));
        return command;
    }

    private sealed record CalibrationArguments(string? Folder, string Method, string? CachePath, int Count, string Preprocess, double SensitivityThreshold);

    /// <summary>The calibration options of an int8/best build: data from the folder for the model's one input at its build shape.</summary>
    private static CalibrationOptions? Calibration(CalibrationArguments a, string precision, string modelPath,
        Dictionary<string, TensorShape> shapes, OptimizationProfile? profile)
    {
        bool int8 = precision is "int8" or "best";
        if (!int8)
        {
            if (a.Folder is not null || a.CachePath is not null) throw new CliUsageException("--calib and --calib-cache apply to --precision int8 or best");
            return null;
        }
        if (a.Count < 0) throw new CliUsageException($"--calib-count must be positive, got {a.Count}");
        if (a.SensitivityThreshold <= 0) throw new CliUsageException($"--sensitivity-threshold must be positive, got {a.SensitivityThreshold}");
        var options = new CalibrationOptions
        {
            Method = Enum.Parse<CalibrationMethod>(a.Method, ignoreCase: true),
            CachePath = a.CachePath,
            SensitivityThreshold = a.SensitivityThreshold,
        };
        if (a.Folder is null) return options;
        var graph = OnnxImporter.Load(modelPath).Graph;
        if (graph.Inputs.Count != 1)
            throw new CliUsageException($"--calib feeds one input; the model has {graph.Inputs.Count} ({string.Join(", ", graph.Inputs.Select(i => i.Name))})");
        var input = graph.Inputs[0];
        int[] shape = shapes.TryGetValue(input.Name, out var given) ? given.ToInts()
            : profile?.Inputs.FirstOrDefault(r => r.Input == input.Name)?.Opt
            ?? (input.Shape is { IsStatic: true } s ? s.ToInts()
                : throw new CliUsageException($"input '{input.Name}' has shape {input.Shape}; give --shape {input.Name}:1x3xHxW for calibration"));
        return options with { Data = CalibrationData.Open(a.Folder, input.Name, shape, a.Preprocess, a.Count) };
    }

    private static OptimizationProfile? Profile(string[]? min, string[]? opt, string[]? max)
    {
        if (min is not { Length: > 0 } && opt is not { Length: > 0 } && max is not { Length: > 0 }) return null;
        if (min is not { Length: > 0 } || opt is not { Length: > 0 } || max is not { Length: > 0 })
            throw new CliUsageException("an optimization profile needs all of --min-shapes, --opt-shapes and --max-shapes");
        var lo = TensorArguments.ParseShapes(min);
        var mid = TensorArguments.ParseShapes(opt);
        var hi = TensorArguments.ParseShapes(max);
        if (!lo.Keys.Order().SequenceEqual(mid.Keys.Order()) || !lo.Keys.Order().SequenceEqual(hi.Keys.Order()))
            throw new CliUsageException("--min-shapes, --opt-shapes and --max-shapes must name the same inputs");
        return new OptimizationProfile(lo.Keys.Select(name => new ShapeRange(name, lo[name].ToInts(), mid[name].ToInts(), hi[name].ToInts())).ToList());
    }

    private static int Run(TextWriter output, string modelPath, string outPath, string backendName, string precision, string[] shapeSpecs,
        OptimizationProfile? profile, string? timingCache, string? signKey, int threads, bool autotune, bool channelsLast, bool verbose, CalibrationArguments calibration)
    {
        var shapes = TensorArguments.ParseShapes(shapeSpecs);
        var calibrationOptions = Calibration(calibration, precision, modelPath, shapes, profile);
        using var key = signKey is null ? null : SigningKeys.Load(signKey);
        var config = new BuilderConfig
        {
            Backend = EngineSource.Backend(backendName, threads, precision),
            Precision = precision,
            Profiles = profile is null ? [] : [profile],
            TimingCachePath = timingCache,
            Threads = threads,
            Autotune = autotune,
            ChannelsLast = channelsLast,
            Calibration = calibrationOptions,
        };
        BuildResult result;
        bool interactive = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        if (interactive)
        {
            BuildResult? done = null;
            AnsiConsole.Status().Start("building", status =>
            {
                var progress = new Progress<BuildProgress>(p => status.Status($"{p.Step} {Markup.Escape(p.Detail)}"));
                done = EngineBuilder.BuildFile(modelPath, config with { Progress = progress }, shapes);
            });
            result = done!;
        }
        else
        {
            string? last = null;
            var progress = new SynchronousProgress(p =>
            {
                if (p.Step == last) return;
                last = p.Step;
                output.WriteLine($"... {p.Step}");
            });
            result = EngineBuilder.BuildFile(modelPath, config with { Progress = progress }, shapes);
        }

        byte[] file = EngineSerializer.Write(result.Plan, key);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (directory is not null) Directory.CreateDirectory(directory);
        string temp = outPath + ".tmp";
        File.WriteAllBytes(temp, file);
        File.Move(temp, outPath, overwrite: true);

        if (verbose && result.Report is { } report) report.WriteTo(output);
        var engine = result.Engine;
        output.WriteLine($"engine {outPath}: {file.Length / 1048576.0:F2} MiB, {(key is null ? "unsigned" : "signed")}, built in {result.Stats.Elapsed.TotalSeconds:F2} s");
        output.WriteLine($"  device   {result.Plan.Fingerprint}");
        output.WriteLine($"  layers   {engine.Layers.Count} ({string.Join(", ", engine.Order.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} {g.Key}"))})");
        if (result.Report is { } r) output.WriteLine($"  graph    {r.NodesBefore} nodes optimized to {r.NodesAfter}");
        output.WriteLine($"  tactics  {string.Join(", ", engine.Tactics.GroupBy(t => t.Name).OrderByDescending(g => g.Count()).Take(6).Select(g => $"{g.Count()}x {g.Key}"))}");
        output.WriteLine($"  tuning   {result.Stats.LayersTimed} layers timed, {result.Stats.LayersFromCache} from the timing cache ({result.Stats.TimingCacheEntries} entries)");
        output.WriteLine($"  memory   {engine.Plan}");
        if (result.Plan.Profiles.Count > 0) output.WriteLine($"  profile  {string.Join(" | ", result.Plan.Profiles)}");
        if (result.Quantization is { } q) WriteQuantization(output, precision, q, verbose);
        return 0;
    }

    /// <summary>Which layers run INT8, where the scales came from, and every layer kept in FP32 with the reason.</summary>
    private static void WriteQuantization(TextWriter output, string precision, QuantizationReport q, bool verbose)
    {
        output.WriteLine($"  int8     {q.Int8Layers.Count} layers INT8, {q.KeptFloat.Count} convolution layers kept FP32 ({precision}); scales: {q.ScaleSource}");
        foreach (var group in q.KeptFloat.GroupBy(k => k.Reason.StartsWith("INT8 rel L2", StringComparison.Ordinal) ? "sensitivity" : k.Reason))
        {
            if (group.Key == "sensitivity")
                foreach (var (layer, reason) in group) output.WriteLine($"    fp32   {layer}: {reason}");
            else
                output.WriteLine($"    fp32   {group.Count()} layers: {group.Key} ({string.Join(", ", group.Take(verbose ? int.MaxValue : 4).Select(g => g.Layer))}{(group.Count() > 4 && !verbose ? ", ..." : "")})");
        }
        if (verbose)
            foreach (var (layer, error) in q.Sensitivity.OrderByDescending(s => s.Value))
                output.WriteLine($"    sensitivity {layer}: rel L2 {error:F4}");
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class SynchronousProgress(Action<BuildProgress> report) : IProgress<BuildProgress>
    {
        public void Report(BuildProgress value) => report(value);
    }
}
