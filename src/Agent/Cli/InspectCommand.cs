using System.CommandLine;
using EdgeAgent.Engine.Backends.Cpu;
using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Format;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Agent.Cli;

/// <summary><c>edgeagent engine inspect</c>: what a model or an engine file contains.</summary>
public static class InspectCommand
{
    public static Command Build(TextWriter output)
    {
        var model = new Option<string?>("--model", "-m") { Description = "ONNX model file" };
        var engine = new Option<string?>("--engine", "-e") { Description = "Engine file" };
        var shapes = new Option<string[]>("--shape") { Description = "Shape for a dynamic input as NAME:1x3x640x640 (repeatable)" };
        var verifyKey = new Option<string?>("--verify-key") { Description = "Public key the engine's signature must verify against" };
        var command = new Command("inspect", "Show a model's inputs, outputs, ops and parameters, or an engine's header, device, layers and memory")
        {
            model, engine, shapes, verifyKey,
        };
        command.SetAction(parse =>
        {
            string? m = parse.GetValue(model), e = parse.GetValue(engine);
            EngineSource.RequireOne(m, e);
            return m is not null ? InspectModel(output, m, parse.GetValue(shapes) ?? []) : InspectEngine(output, e!, parse.GetValue(verifyKey));
        });
        return command;
    }

    /// <summary>This machine's fingerprint for the engine's backend (null: a CUDA engine and no usable GPU here).</summary>
    private static Engine.Runtime.DeviceFingerprint? HereFingerprint(EnginePlan plan)
    {
        if (plan.Fingerprint.Backend != "cuda") return new CpuBackend().Fingerprint;
        try
        {
            using var gpu = new Engine.Backends.Cuda.CudaBackend(plan.Precision, kernelCache: "");
            return gpu.Fingerprint;
        }
        catch (Engine.Backends.Cuda.Interop.CudaUnavailableException)
        {
            return null;
        }
    }

    /// <summary>NHWC for channels-last INT8 layers, the direction of a layout transform, NCHW otherwise.</summary>
    private static string LayoutOf(Node node)
    {
        if (QuantizedOps.IsNhwc(node)) return "NHWC";
        if (node.OpType == "Transpose" && node.Domain == "" && node.GetInts("perm") is { } perm)
        {
            if (perm.SequenceEqual(QuantizedOps.ToNhwcPerm)) return "NCHW->NHWC";
            if (perm.SequenceEqual(QuantizedOps.ToNchwPerm)) return "NHWC->NCHW";
        }
        return node.Outputs.FirstOrDefault()?.Shape is { } shape && shape.Rank != 4 ? "-" : "NCHW";
    }

    private static int InspectEngine(TextWriter output, string path, string? verifyKey)
    {
        var plan = EngineSource.ReadPlan(path, verifyKey);
        output.WriteLine($"engine: {path}");
        output.WriteLine($"  format version {EngineContainer.FormatVersion}, builder {plan.BuilderVersion}, created {DateTimeOffset.FromUnixTimeSeconds(plan.CreatedUnixSeconds):u}");
        output.WriteLine($"  sha256 {plan.FileSha256}, {(plan.Signed ? "signed" + (verifyKey is null ? " (signature not checked: no --verify-key)" : ", signature verified") : "unsigned")}");
        output.WriteLine($"model: {plan.Model.Name} version {plan.Model.Version}, sha256 {plan.Model.Sha256}, producer {plan.Model.Producer}");
        output.WriteLine($"device: {plan.Fingerprint}");
        output.WriteLine(HereFingerprint(plan) is not { } here ? "  this machine has no GPU to run it"
            : here.DifferenceFrom(plan.Fingerprint) is { } difference ? $"  does not match this machine: {difference}" : "  matches this machine");
        output.WriteLine($"precision: {plan.Precision}");
        if (plan.KernelBinaries.Count > 0)
            output.WriteLine($"kernels: {plan.KernelBinaries.Count} compiled modules carried ({plan.KernelBinaries.Values.Sum(b => (long)b.Length) / 1024.0:F0} KiB)");
        output.WriteLine(plan.Profiles.Count == 0 ? "profiles: none (static shapes)" : $"profiles: {string.Join(" | ", plan.Profiles)}");
        var graph = plan.LoadGraph().Graph;
        output.WriteLine("inputs:");
        foreach (var v in graph.Inputs) output.WriteLine($"  {v.Name}: {InputBinding.Describe(v)}");
        output.WriteLine("outputs:");
        foreach (var v in graph.Outputs) output.WriteLine($"  {v.Name}: {InputBinding.Describe(v)}");
        int nhwc = graph.Nodes.Count(QuantizedOps.IsNhwc), transforms = Engine.Passes.NhwcLayoutPass.LayoutTransforms(graph);
        output.WriteLine($"layers: {graph.Nodes.Count}" + (nhwc + transforms > 0 ? $" ({nhwc} channels-last, {transforms} layout transforms)" : ""));
        // Layers of an int8/best engine that are not INT8 run in the backend's float precision.
        string floats = plan.Precision is "int8" or "best" ? (plan.Fingerprint.Backend == "cuda" ? "fp16" : "fp32") : plan.Precision;
        foreach (var node in graph.TopologicalOrder())
        {
            var activation = node.Domain == FusedOps.Domain ? Activation.FromAttributes(node) : Activation.None;
            string op = node.OpType + (activation.Kind == ActivationKind.None ? "" : $"+{activation}") + (node.OpType == FusedOps.FusedConv && node.HasInput(3) ? "+residual" : "");
            string tactic = plan.Tactics.TryGetValue(node.Name, out var t) ? t.Name : "-";
            string precision = node.Domain == FusedOps.Domain && node.OpType == QuantizedOps.QConv ? "int8" : floats;
            output.WriteLine($"  {node.Name,-36} {op,-30} {precision,-5} {LayoutOf(node),-11} {tactic}");
        }
        output.WriteLine($"memory: arena {plan.RecordedArenaBytes / 1048576.0:F2} MiB at the build shapes");
        return 0;
    }

    private static int InspectModel(TextWriter output, string modelPath, string[] shapeSpecs)
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

}
