using System.CommandLine;
using System.Diagnostics;
using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Passes;

namespace EdgeAgent.Agent.Cli;

/// <summary><c>edgeagent engine optimize</c>: run the graph optimizer and show what it did.</summary>
public static class OptimizeCommand
{
    public static Command Build(TextWriter output)
    {
        var model = new Option<string>("--model", "-m") { Description = "ONNX model file", Required = true };
        var shapes = new Option<string[]>("--shape") { Description = "Shape for a dynamic input as NAME:1x3x640x640 (repeatable)" };
        var report = new Option<bool>("--report") { Description = "Print what each pass rewrote, by pattern" };
        var dump = new Option<string?>("--dump-graph") { Description = "Write the optimized graph as Graphviz DOT (.dot) or SVG (.svg, needs graphviz)" };
        var command = new Command("optimize", "Fold, fuse and simplify a model's graph and report the result") { model, shapes, report, dump };
        command.SetAction(parse => Run(output, parse.GetValue(model)!, parse.GetValue(shapes) ?? [], parse.GetValue(report), parse.GetValue(dump)));
        return command;
    }

    private static int Run(TextWriter output, string modelPath, string[] shapeSpecs, bool report, string? dumpPath)
    {
        if (dumpPath is not null && !dumpPath.EndsWith(".dot", StringComparison.OrdinalIgnoreCase) && !dumpPath.EndsWith(".svg", StringComparison.OrdinalIgnoreCase))
            throw new CliUsageException($"--dump-graph '{dumpPath}' must end in .dot or .svg");
        var model = OnnxImporter.Load(modelPath);
        var evaluator = new ReferenceConstantEvaluator();
        ShapeInference.Run(model, TensorArguments.ParseShapes(shapeSpecs), evaluator);
        var clock = Stopwatch.StartNew();
        var result = new GraphOptimizer(evaluator).Optimize(model);
        clock.Stop();
        if (report) result.WriteTo(output);
        else output.WriteLine($"optimized {result.NodesBefore} nodes to {result.NodesAfter} ({string.Join(", ", result.OpsAfter.OrderByDescending(o => o.Value).Select(o => $"{o.Value} {o.Key}"))})");
        output.WriteLine($"optimization took {clock.Elapsed.TotalMilliseconds:F0} ms");
        if (dumpPath is not null) WriteGraph(output, model.Graph, dumpPath);
        return 0;
    }

    private static void WriteGraph(TextWriter output, ModelGraph graph, string path)
    {
        string dot = GraphDot.Write(graph);
        if (path.EndsWith(".dot", StringComparison.OrdinalIgnoreCase))
        {
            File.WriteAllText(path, dot);
            output.WriteLine($"graph written to {path}");
            return;
        }
        var start = new ProcessStartInfo("dot", ["-Tsvg", "-o", path]) { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        Process? dotProcess;
        try { dotProcess = Process.Start(start); }
        catch (System.ComponentModel.Win32Exception)
        {
            string fallback = Path.ChangeExtension(path, ".dot");
            File.WriteAllText(fallback, dot);
            throw new CliUsageException($"rendering SVG needs Graphviz's 'dot' (apt-get install graphviz); the DOT text was written to {fallback}");
        }
        using (dotProcess)
        {
            dotProcess!.StandardInput.Write(dot);
            dotProcess.StandardInput.Close();
            string errors = dotProcess.StandardError.ReadToEnd();
            dotProcess.WaitForExit();
            if (dotProcess.ExitCode != 0) throw new CliUsageException($"dot failed to render {path}: {errors.Trim()}");
        }
        output.WriteLine($"graph rendered to {path}");
    }
}
