namespace EdgeAgent.Engine.Graph;

/// <summary>
/// The computation graph: values, nodes, graph inputs/outputs and initializers.
/// Nodes are kept in a list that <see cref="TopologicalOrder"/> sorts; passes edit the graph
/// and call <see cref="RebuildLinks"/> when they rewire many edges at once.
/// </summary>
public sealed class ModelGraph
{
    private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);

    public string Name { get; set; } = "";
    public List<Node> Nodes { get; } = [];
    public List<Value> Inputs { get; } = [];
    public List<Value> Outputs { get; } = [];

    public IReadOnlyCollection<Value> Values => _values.Values;
    public IEnumerable<Value> Initializers => _values.Values.Where(v => v.IsInitializer);

    public Value? FindValue(string name) => _values.GetValueOrDefault(name);

    /// <summary>Returns the value with this name, creating it when it does not exist yet.</summary>
    public Value GetOrAddValue(string name)
    {
        if (!_values.TryGetValue(name, out var value))
        {
            value = new Value(name);
            _values.Add(name, value);
        }
        return value;
    }

    /// <summary>A value name not used yet, derived from <paramref name="hint"/>.</summary>
    public string UniqueValueName(string hint)
    {
        if (!_values.ContainsKey(hint)) return hint;
        for (int i = 1; ; i++)
        {
            string candidate = $"{hint}_{i}";
            if (!_values.ContainsKey(candidate)) return candidate;
        }
    }

    public void AddInput(Value value)
    {
        value.IsGraphInput = true;
        Inputs.Add(value);
    }

    public void AddOutput(Value value)
    {
        value.IsGraphOutput = true;
        Outputs.Add(value);
    }

    public Value AddInitializer(string name, Tensors.Tensor tensor)
    {
        var value = GetOrAddValue(name);
        value.IsInitializer = true;
        value.Constant = tensor;
        value.Type = tensor.Type;
        value.Shape = TensorShape.Of(tensor.Shape);
        return value;
    }

    public void AddNode(Node node)
    {
        Nodes.Add(node);
        foreach (var input in node.Inputs) input?.ConsumerList.Add(node);
        foreach (var output in node.Outputs) output.Producer = node;
    }

    public void RemoveNode(Node node)
    {
        Nodes.Remove(node);
        foreach (var input in node.Inputs) input?.ConsumerList.Remove(node);
        foreach (var output in node.Outputs)
            if (output.Producer == node) output.Producer = null;
    }

    /// <summary>Forgets values that nothing produces, consumes or exposes any more.</summary>
    public void RemoveUnusedValues()
    {
        foreach (var v in _values.Values.ToList())
            if (v.Producer is null && v.Consumers.Count == 0 && !v.IsGraphInput && !v.IsGraphOutput)
                _values.Remove(v.Name);
    }

    /// <summary>Recomputes every value's producer and consumers from the node list.</summary>
    public void RebuildLinks()
    {
        foreach (var v in _values.Values)
        {
            v.ConsumerList.Clear();
            v.Producer = null;
        }
        foreach (var node in Nodes)
        {
            foreach (var input in node.Inputs) input?.ConsumerList.Add(node);
            foreach (var output in node.Outputs) output.Producer = node;
        }
    }

    /// <summary>
    /// Nodes ordered so every node comes after the producers of its inputs (Kahn's algorithm,
    /// stable with respect to the stored order). A cycle is a <see cref="GraphValidationException"/>
    /// naming a node on it.
    /// </summary>
    public IReadOnlyList<Node> TopologicalOrder()
    {
        var members = new HashSet<Node>(Nodes);
        // Consumer lists hold a node once per input slot, so counts and decrements match.
        var pending = new Dictionary<Node, int>(Nodes.Count);
        foreach (var node in Nodes)
            pending[node] = node.Inputs.Count(i => i?.Producer is { } p && members.Contains(p));
        var ready = new Queue<Node>(Nodes.Where(n => pending[n] == 0));
        var order = new List<Node>(Nodes.Count);
        while (ready.Count > 0)
        {
            var node = ready.Dequeue();
            order.Add(node);
            foreach (var output in node.Outputs)
                foreach (var consumer in output.Consumers)
                    if (members.Contains(consumer) && --pending[consumer] == 0)
                        ready.Enqueue(consumer);
        }
        if (order.Count != Nodes.Count)
        {
            var stuck = Nodes.First(n => pending[n] > 0);
            throw new GraphValidationException($"the graph has a cycle through {stuck.Describe()}");
        }
        return order;
    }

    /// <summary>Puts <see cref="Nodes"/> in topological order.</summary>
    public void Sort()
    {
        var order = TopologicalOrder();
        Nodes.Clear();
        Nodes.AddRange(order);
    }
}
