using System.CommandLine;
using System.Globalization;
using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Agent.Cli;

/// <summary>
/// <c>edgeagent engine compare</c>: the golden-reference check. Runs an engine and the reference
/// executor on the same inputs and prints each output's error; with --per-layer, the error of
/// every layer output both graphs share, so the first bad layer stands out.
/// </summary>
public static class CompareCommand
{
    public static Command Build(TextWriter output)
    {
        var engine = new Option<string>("--engine", "-e") { Description = "Engine file", Required = true };
        var model = new Option<string>("--model", "-m") { Description = "The ONNX model the engine was built from", Required = true };
        var inputs = new Option<string[]>("--input", "-i") { Description = "Input tensor as [NAME=]FILE.npy (repeatable); random when omitted" };
        var shapes = new Option<string[]>("--shape") { Description = "Input shape for engines with optimization profiles, NAME:1x3x640x640" };
        var perLayer = new Option<bool>("--per-layer") { Description = "Also compare every intermediate tensor both graphs have" };
        var seed = new Option<int>("--seed") { Description = "Seed for random inputs", DefaultValueFactory = _ => 1 };
        var verifyKey = new Option<string?>("--verify-key") { Description = "Public key the engine's signature must verify against" };
        var data = new Option<string?>("--data") { Description = "Folder of images or .npy inputs: accuracy report of the engine vs the FP32 reference over all of them" };
        var dataCount = new Option<int>("--data-count") { Description = "Use the first N files of --data (default: all)" };
        var dataPreprocess = new Option<string>("--data-preprocess")
        {
            Description = $"Image pre-processing for --data: {string.Join(", ", CalibrationData.Presets)}, or a PreprocessConfig JSON file", DefaultValueFactory = _ => "imagenet",
        };
        var task = new Option<string>("--task") { Description = "Task metric for --data: auto (from output shapes), classification, db, yolo, none", DefaultValueFactory = _ => "auto" };
        task.AcceptOnlyFromAmong("auto", "classification", "db", "yolo", "none");
        var fp32 = new Option<string>("--fp32") { Description = "FP32 side of --data: reference (the golden executor) or cpu (an FP32 CPU engine built from the model: faster)", DefaultValueFactory = _ => "reference" };
        fp32.AcceptOnlyFromAmong("reference", "cpu");
        var command = new Command("compare", "Compare an engine's outputs with the reference executor's")
        {
            engine, model, inputs, shapes, perLayer, seed, verifyKey, data, dataCount, dataPreprocess, task, fp32,
        };
        command.SetAction(parse => parse.GetValue(data) is { } folder
            ? AccuracyReport.Run(output, parse.GetValue(engine)!, parse.GetValue(model)!, folder, parse.GetValue(dataCount), parse.GetValue(dataPreprocess)!,
                parse.GetValue(task)!, parse.GetValue(fp32)!, parse.GetValue(shapes) ?? [], parse.GetValue(verifyKey))
            : Run(output, parse.GetValue(engine)!, parse.GetValue(model)!, parse.GetValue(inputs) ?? [],
                parse.GetValue(shapes) ?? [], parse.GetValue(perLayer), parse.GetValue(seed), parse.GetValue(verifyKey)));
        return command;
    }

    private static int Run(TextWriter output, string enginePath, string modelPath, string[] inputSpecs, string[] shapeSpecs, bool perLayer, int seed, string? verifyKey)
    {
        var reference = OnnxImporter.Load(modelPath);
        var given = TensorArguments.ReadInputs(inputSpecs, reference.Graph);
        var shapes = TensorArguments.ParseShapes(shapeSpecs);
        foreach (var (name, tensor) in given) shapes[name] = TensorShape.Of(tensor.Shape);
        var engine = EngineSource.Open(null, enginePath, shapes, verifyKey, "auto", 0, null, autotune: false);
        foreach (var input in engine.Inputs) shapes.TryAdd(input.Name, TensorShape.Of(input.Shape));
        ShapeInference.Run(reference, shapes, new ReferenceConstantEvaluator());
        TensorArguments.FillRandom(given, reference.Graph, seed);

        // The reference keeps every intermediate the engine also has, by value name.
        var engineValues = engine.Specs.SelectMany(s => s.Outputs).Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var referenceValues = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var expected = new ReferenceExecutor(reference).Run(given, perLayer ? (node, results) =>
        {
            for (int i = 0; i < node.Outputs.Count; i++)
                if (engineValues.Contains(node.Outputs[i].Name)) referenceValues[node.Outputs[i].Name] = results[i];
        } : null);

        using var context = engine.CreateContext();
        foreach (var (name, tensor) in given) context.SetInput(name, tensor);
        var rows = new List<string>();
        context.ExecuteObserved(layer =>
        {
            if (!perLayer) return;
            foreach (var slot in engine.Specs[layer].Outputs)
                if (referenceValues.TryGetValue(slot.Name, out var want))
                    rows.Add(Row($"{layer,4} {engine.Order[layer].OpType} {slot.Name}", want, context.Read(slot)));
        });
        output.WriteLine($"{"tensor",-60} {"max abs",11} {"rel L2",11} {"cosine",10}");
        if (perLayer)
        {
            foreach (var row in rows) output.WriteLine(row);
            output.WriteLine($"({rows.Count} of {engine.Layers.Count} layer outputs exist in the reference graph; fused intermediates do not)");
        }
        for (int i = 0; i < engine.Outputs.Count; i++)
        {
            var slot = engine.Outputs[i];
            output.WriteLine(Row($"output {slot.Name}", expected[slot.Name], context.Read(slot)));
        }
        return 0;
    }

    private static string Row(string label, Tensor expected, Tensor actual) => string.Create(CultureInfo.InvariantCulture,
        $"{(label.Length > 60 ? label[..57] + "..." : label),-60} {TensorMetrics.MaxAbs(expected, actual),11:E3} {TensorMetrics.RelativeL2(expected, actual),11:E3} {TensorMetrics.Cosine(expected, actual),10:F6}");
}
