using System.CommandLine;
using System.Diagnostics;
using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Agent.Cli;

/// <summary><c>edgeagent engine run</c>: one inference on a model or an engine, outputs written as .npy.</summary>
public static class RunCommand
{
    public static Command Build(TextWriter output)
    {
        var model = new Option<string?>("--model", "-m") { Description = "ONNX model file" };
        var engine = new Option<string?>("--engine", "-e") { Description = "Engine file (from engine build)" };
        var inputs = new Option<string[]>("--input", "-i") { Description = "Input tensor as [NAME=]FILE.npy (repeatable); random when omitted" };
        var outputDir = new Option<string>("--output-dir", "-o") { Description = "Folder for one .npy file per model output", Required = true };
        var shapes = new Option<string[]>("--shape") { Description = "Shape for a dynamic input as NAME:1x3x640x640 (repeatable)" };
        var backend = new Option<string>("--backend") { Description = "reference (plain FP32 executor, models only), cpu, cuda or auto", DefaultValueFactory = _ => "reference" };
        backend.AcceptOnlyFromAmong("reference", "cpu", "cuda", "auto");
        var seed = new Option<int?>("--seed") { Description = "Seed for random inputs (default: random, printed)" };
        var verifyKey = new Option<string?>("--verify-key") { Description = "Public key the engine's signature must verify against" };
        var precision = new Option<string>("--precision") { Description = "For --model: fp32, or fp16 on the cuda backend", DefaultValueFactory = _ => "fp32" };
        precision.AcceptOnlyFromAmong("fp32", "fp16");
        var command = new Command("run", "Run a model or engine once and write its outputs as .npy files")
        {
            model, engine, inputs, outputDir, shapes, backend, precision, seed, verifyKey,
        };
        command.SetAction(parse => Run(output, parse.GetValue(model), parse.GetValue(engine), parse.GetValue(inputs) ?? [], parse.GetValue(outputDir)!,
            parse.GetValue(shapes) ?? [], parse.GetValue(seed), parse.GetValue(backend)!, parse.GetValue(verifyKey), parse.GetValue(precision)!));
        return command;
    }

    private static int Run(TextWriter output, string? modelPath, string? enginePath, string[] inputSpecs, string outputDir,
        string[] shapeSpecs, int? seed, string backendName, string? verifyKey, string precision)
    {
        EngineSource.RequireOne(modelPath, enginePath);
        if (enginePath is not null && backendName == "reference") backendName = "auto";
        var graph = modelPath is not null ? OnnxImporter.Load(modelPath) : EngineSource.ReadPlan(enginePath!, verifyKey).LoadGraph();
        var given = TensorArguments.ReadInputs(inputSpecs, graph.Graph);
        var shapes = TensorArguments.ParseShapes(shapeSpecs);
        foreach (var (name, tensor) in given) shapes[name] = TensorShape.Of(tensor.Shape);

        int actualSeed = seed ?? Random.Shared.Next();
        IReadOnlyDictionary<string, Tensor> results;
        Stopwatch clock;
        if (backendName == "reference")
        {
            ShapeInference.Run(graph, shapes, new ReferenceConstantEvaluator());
            FillRandom(output, given, graph.Graph, actualSeed);
            var executor = new ReferenceExecutor(graph);
            clock = Stopwatch.StartNew();
            results = executor.Run(given);
        }
        else
        {
            var engine = EngineSource.Open(modelPath, enginePath, shapes, verifyKey, backendName, 0, null, autotune: false, precision);
            FillRandom(output, given, engine.Model.Graph, actualSeed);
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

    private static void FillRandom(TextWriter output, Dictionary<string, Tensor> given, ModelGraph graph, int seed)
    {
        if (given.Count < graph.Inputs.Count) output.WriteLine($"random inputs, seed {seed}");
        TensorArguments.FillRandom(given, graph, seed);
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
}
