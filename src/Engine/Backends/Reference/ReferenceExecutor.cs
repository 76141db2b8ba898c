using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference;

/// <summary>
/// The golden reference: runs a graph node by node with plain FP32 kernels, in topological
/// order, dropping each intermediate tensor after its last use. Every faster backend is
/// checked against this executor.
/// </summary>
public sealed class ReferenceExecutor
{
    private readonly ModelGraph _graph;
    private readonly IReadOnlyList<Node> _order;
    private readonly Dictionary<Value, int> _lastUse = [];

    public ReferenceExecutor(Model model)
    {
        _graph = model.Graph;
        OpSchemas.ThrowIfUnsupported(_graph);
        _order = _graph.TopologicalOrder();
        for (int i = 0; i < _order.Count; i++)
            foreach (var input in _order[i].Inputs)
                if (input is not null) _lastUse[input] = i;
    }

    /// <param name="onNode">Called after each node with its outputs (per-layer comparison, debugging).</param>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs,
        Action<Node, IReadOnlyList<Tensor>>? onNode = null, CancellationToken cancellationToken = default)
    {
        InputBinding.Validate(_graph, inputs);
        var live = new Dictionary<Value, Tensor>();
        foreach (var input in _graph.Inputs) live[input] = inputs[input.Name];
        foreach (var init in _graph.Initializers) live[init] = init.Constant!;

        for (int step = 0; step < _order.Count; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var node = _order[step];
            var args = new Tensor?[node.Inputs.Count];
            for (int i = 0; i < args.Length; i++)
            {
                var v = node.Inputs[i];
                if (v is null) continue;
                args[i] = live.TryGetValue(v, out var t) ? t
                    : throw new GraphValidationException($"{node.Describe()} reads '{v.Name}', which no node, input or initializer defines");
            }
            ReferenceKernels.TryGet(node.OpType, out var kernel);
            var outputs = kernel(node, args);
            for (int i = 0; i < node.Outputs.Count; i++) live[node.Outputs[i]] = outputs[i];
            onNode?.Invoke(node, outputs);
            foreach (var v in node.Inputs)
                if (v is not null && _lastUse[v] == step && !v.IsGraphOutput && !v.IsInitializer) live.Remove(v);
        }
        return _graph.Outputs.ToDictionary(o => o.Name, o => live[o]);
    }
}
