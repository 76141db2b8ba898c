using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Runtime;

/// <summary>
/// An optimized graph compiled for one backend: a layer per node with its chosen tactic, and a
/// memory plan. Immutable once built and shareable: each <see cref="InferenceContext"/> created
/// from it owns its own activation memory, so several can run at once.
/// </summary>
public sealed class InferenceEngine
{
    private InferenceEngine(Model model, IBackend backend, IReadOnlyList<Node> order, IReadOnlyList<ICompiledLayer> layers,
        IReadOnlyList<Tactic> tactics, MemoryPlan plan, IReadOnlyList<TensorSlot> inputs, IReadOnlyList<TensorSlot> outputs,
        IReadOnlyList<LayerSpec> specs)
    {
        Specs = specs;
        Model = model;
        Backend = backend;
        Order = order;
        Layers = layers;
        Tactics = tactics;
        Plan = plan;
        Inputs = inputs;
        Outputs = outputs;
    }

    public Model Model { get; }
    public IBackend Backend { get; }
    /// <summary>Nodes in execution order; <see cref="Layers"/> and <see cref="Tactics"/> follow it.</summary>
    public IReadOnlyList<Node> Order { get; }
    public IReadOnlyList<ICompiledLayer> Layers { get; }
    public IReadOnlyList<Tactic> Tactics { get; }
    public MemoryPlan Plan { get; }
    public IReadOnlyList<TensorSlot> Inputs { get; }
    public IReadOnlyList<TensorSlot> Outputs { get; }
    /// <summary>Each layer's placed tensors (for per-layer inspection), in execution order.</summary>
    public IReadOnlyList<LayerSpec> Specs { get; }

    /// <summary>
    /// Compiles <paramref name="model"/>, whose shapes must all be static (optimize it first:
    /// the engine runs the graph as given).
    /// </summary>
    public static InferenceEngine Compile(Model model, IBackend backend, ITacticSelector? selector = null, CancellationToken cancellationToken = default)
    {
        selector ??= new FirstTacticSelector();
        var graph = model.Graph;
        var unsupported = graph.Nodes.Where(n => !backend.Supports(n)).GroupBy(n => n.OpType).Select(g => (g.Key, g.First().DisplayName)).ToList();
        if (unsupported.Count > 0) throw new UnsupportedOpsException(unsupported);
        foreach (var v in graph.Values)
            if (!v.IsInitializer && v.Shape is not { IsStatic: true } && (v.Producer is not null || v.IsGraphInput))
                throw new ShapeInferenceException($"value '{v.Name}' has shape {v.Shape?.ToString() ?? "?"}; an engine needs static shapes (give input shapes)");

        var order = graph.TopologicalOrder();
        var tactics = new Tactic[order.Count];
        var workspace = new long[order.Count];
        for (int i = 0; i < order.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var unplaced = Spec(order[i], null, TensorSlot.NotPlaced);
            var offered = backend.Tactics(unplaced);
            tactics[i] = offered.Count == 1 ? offered[0] : selector.Choose(backend, unplaced, offered);
            workspace[i] = backend.WorkspaceBytes(unplaced, tactics[i]);
        }
        var plan = MemoryPlanner.Plan(graph, order, workspace, backend);
        var layers = new ICompiledLayer[order.Count];
        var specs = new LayerSpec[order.Count];
        for (int i = 0; i < order.Count; i++)
        {
            specs[i] = Spec(order[i], plan, plan.WorkspaceOffsets[i]);
            layers[i] = backend.Compile(specs[i], tactics[i]);
        }
        return new InferenceEngine(model, backend, order, layers, tactics, plan,
            graph.Inputs.Select(v => Slot(v, plan)).ToList(), graph.Outputs.Select(v => Slot(v, plan)).ToList(), specs);
    }

    private static LayerSpec Spec(Node node, MemoryPlan? plan, long workspaceOffset) =>
        new(node, node.Inputs.Select(v => v is null ? null : Slot(v, plan)).ToList(), node.Outputs.Select(v => Slot(v, plan)).ToList(), workspaceOffset);

    private static TensorSlot Slot(Value v, MemoryPlan? plan)
    {
        bool constant = v.IsInitializer || (v.Constant is not null && v.Producer is null);
        return new TensorSlot(v.Name, v.Type, v.Shape!.ToInts(), constant || plan is null ? TensorSlot.NotPlaced : plan.OffsetOf(v),
            constant ? v.Constant : null);
    }

    /// <param name="threads">Threads for this context; 0 means one per core, and never more than the backend allows.</param>
    public InferenceContext CreateContext(int threads = 0) =>
        new(this, Math.Min(threads <= 0 ? WorkerPool.DefaultThreads : threads, Backend.MaxThreads));

    /// <summary>Fused-op and precision facts for summaries: op type and activation per layer.</summary>
    public string DescribeLayer(int index)
    {
        var node = Order[index];
        var activation = node.Domain == FusedOps.Domain ? Activation.FromAttributes(node) : Activation.None;
        string extra = activation.Kind == ActivationKind.None ? "" : $"+{activation}";
        if (node.HasInput(3) && node.OpType == FusedOps.FusedConv) extra += "+residual";
        return $"{node.OpType}{extra}";
    }

    public long ConstantBytes => Model.Graph.Initializers.Sum(v => (long)v.Constant!.Length * Math.Max(1, v.Constant.Type.SizeOf()));
}
