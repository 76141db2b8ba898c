using System.CommandLine;
using System.Diagnostics;
using EdgeAgent.Engine.Backends.Cpu;
using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Zoo;

namespace EdgeAgent.Agent.Cli;

/// <summary><c>edgeagent engine ...</c>: run, inspect and generate models.</summary>
public static class EngineCommands
{
    public static Command Build(TextWriter output)
    {
        var engine = new Command("engine", "Build, run, inspect and benchmark inference engines");
        engine.Subcommands.Add(RunCommand(output));
        engine.Subcommands.Add(InspectCommand(output));
        engine.Subcommands.Add(ZooCommand(output));
        engine.Subcommands.Add(OptimizeCommand.Build(output));
        engine.Subcommands.Add(BenchCommand.Build(output));
        return engine;
    }

    private static Option<string> ModelOption() => new("--model", "-m") { Description = "ONNX model file", Required = true };

    private static Command RunCommand(TextWriter output)
    {
        var model = ModelOption();
        var inputs = new Option<string[]>("--input", "-i") { Description = "Input tensor as [NAME=]FILE.npy (repeatable); random when omitted", AllowMultipleArgumentsPerToken = false };
        var outputDir = new Option<string>("--output-dir", "-o") { Description = "Folder for one .npy file per model output", Required = true };
        var shapes = new Option<string[]>("--shape") { Description = "Shape for a dynamic input as NAME:1x3x640x640 (repeatable)" };
        var backend = new Option<string>("--backend") { Description = "Execution backend", DefaultValueFactory = _ => "reference" };
        backend.AcceptOnlyFromAmong("reference", "cpu", "auto");
        var seed = new Option<int?>("--seed") { Description = "Seed for random inputs (default: random, printed)" };
        var command = new Command("run", "Run a model once and write its outputs as .npy files") { model, inputs, outputDir, shapes, backend, seed };
        command.SetAction(parse => Run(output, parse.GetValue(model)!, parse.GetValue(inputs) ?? [], parse.GetValue(outputDir)!,
            parse.GetValue(shapes) ?? [], parse.GetValue(seed), parse.GetValue(backend)!));
        return command;
    }

    private static int Run(TextWriter output, string modelPath, string[] inputSpecs, string outputDir, string[] shapeSpecs, int? seed, string backendName)
    {
        var model = OnnxImporter.Load(modelPath);
        var given = TensorArguments.ReadInputs(inputSpecs, model.Graph);
        var shapes = TensorArguments.ParseShapes(shapeSpecs);
        foreach (var (name, tensor) in given) shapes[name] = TensorShape.Of(tensor.Shape);
        ShapeInference.Run(model, shapes, new ReferenceConstantEvaluator());

        int actualSeed = seed ?? Random.Shared.Next();
        if (given.Count < model.Graph.Inputs.Count) output.WriteLine($"random inputs, seed {actualSeed}");
        TensorArguments.FillRandom(given, model.Graph, actualSeed);

        IReadOnlyDictionary<string, Tensor> results;
        Stopwatch clock;
        if (backendName == "reference")
        {
            var executor = new ReferenceExecutor(model);
            clock = Stopwatch.StartNew();
            results = executor.Run(given);
        }
        else
        {
            var (engine, _) = EngineBuilder.Build(model, new BuilderConfig { Backend = new CpuBackend() });
            using var context = engine.CreateContext();
            clock = Stopwatch.StartNew();
            results = context.Run(given);
            backendName = engine.Backend.Name;
        }
        clock.Stop();

        Directory.CreateDirectory(outputDir);
        foreach (var (name, tensor) in results)
        {
            string file = Path.Combine(outputDir, TensorArguments.FileNameFor(name));
            NpyFile.Write(file, tensor);
            output.WriteLine($"{name}: {tensor.Type.Name()}[{Tensor.ShapeText(tensor.Shape)}] {Summary(tensor)} -> {file}");
        }
        output.WriteLine($"backend {backendName}, {clock.Elapsed.TotalMilliseconds:F1} ms");
        return 0;
    }

    private static string Summary(Tensor t)
    {
        if (t.Length == 0) return "(empty)";
        var v = t.ToFloats();
        double sum = 0;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float x in v) { sum += x; min = MathF.Min(min, x); max = MathF.Max(max, x); }
        return $"min {min:G5} max {max:G5} mean {sum / v.Length:G5}";
    }

    private static Command InspectCommand(TextWriter output)
    {
        var model = ModelOption();
        var shapes = new Option<string[]>("--shape") { Description = "Shape for a dynamic input as NAME:1x3x640x640 (repeatable)" };
        var command = new Command("inspect", "Show a model's inputs, outputs, ops and parameters") { model, shapes };
        command.SetAction(parse => Inspect(output, parse.GetValue(model)!, parse.GetValue(shapes) ?? []));
        return command;
    }

    private static int Inspect(TextWriter output, string modelPath, string[] shapeSpecs)
    {
        var model = OnnxImporter.Load(modelPath);
        var graph = model.Graph;
        var unsupported = OpSchemas.FindUnsupported(graph);
        string? shapeProblem = null;
        if (unsupported.Count == 0)
        {
            try { ShapeInference.Run(model, TensorArguments.ParseShapes(shapeSpecs), new ReferenceConstantEvaluator()); }
            catch (Engine.EngineUserException e) { shapeProblem = e.Message; }
        }

        output.WriteLine($"model: {modelPath}");
        output.WriteLine($"  producer: {Text($"{model.ProducerName} {model.ProducerVersion}".Trim())}, IR version {model.IrVersion}, opset {model.Opset}");
        output.WriteLine("inputs:");
        foreach (var v in graph.Inputs) output.WriteLine($"  {v.Name}: {InputBinding.Describe(v)}");
        output.WriteLine("outputs:");
        foreach (var v in graph.Outputs) output.WriteLine($"  {v.Name}: {InputBinding.Describe(v)}");
        // Exporters store weights as initializers or as Constant nodes; count both.
        var weights = graph.Initializers.Select(w => w.Constant!)
            .Concat(graph.Nodes.Where(n => n.OpType == "Constant").Select(n => n.Attribute("value")?.Tensor).OfType<Tensor>())
            .ToList();
        long parameters = weights.Sum(w => (long)w.Length);
        long bytes = weights.Sum(w => (long)w.Length * Math.Max(1, w.Type.SizeOf()));
        output.WriteLine($"parameters: {parameters:N0} in {weights.Count} constant tensors ({bytes / 1048576.0:F1} MiB)");
        output.WriteLine($"ops: {graph.Nodes.Count} nodes");
        foreach (var group in graph.Nodes.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).ThenBy(g => g.Key))
            output.WriteLine($"  {group.Key,-22} {group.Count(),5}");
        output.WriteLine(unsupported.Count == 0
            ? "unsupported ops: none"
            : "unsupported ops: " + string.Join(", ", unsupported.Select(u => $"{u.OpType} (first at '{u.FirstNode}')")));
        if (shapeProblem is not null) output.WriteLine($"shape inference: {shapeProblem}");
        return 0;
    }

    private static string Text(string s) => s.Length == 0 ? "(unknown)" : s;

    private static Command ZooCommand(TextWriter output)
    {
        var outDir = new Option<string>("--out") { Description = "Folder for the generated .onnx files", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed for the random weights", DefaultValueFactory = _ => 1234 };
        var command = new Command("zoo", $"Write generated models with random weights ({string.Join(", ", ModelZoo.Names)})") { outDir, seed };
        command.SetAction(parse =>
        {
            foreach (var path in ModelZoo.WriteAll(parse.GetValue(outDir)!, parse.GetValue(seed)))
                output.WriteLine($"{path} ({new FileInfo(path).Length / 1048576.0:F1} MiB)");
            return 0;
        });
        return command;
    }
}
