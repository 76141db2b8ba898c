using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Graph;

/// <summary>
/// A named tensor flowing through the graph: a graph input, an initializer (constant weights),
/// or the output of exactly one node. Type and shape are filled in by shape inference.
/// </summary>
public sealed class Value
{
    public Value(string name) => Name = name;

    public string Name { get; set; }
    public DataType Type { get; set; } = DataType.Undefined;
    /// <summary>Null when even the rank is unknown.</summary>
    public TensorShape? Shape { get; set; }

    /// <summary>Constant contents: initializers, and values shape inference could compute.</summary>
    public Tensor? Constant { get; set; }

    /// <summary>
    /// Known element values of a small integer tensor whose contents depend on symbolic
    /// dimensions (the result of Shape and of arithmetic on it); lets Reshape, Expand and
    /// friends infer their output shapes on models with dynamic inputs.
    /// </summary>
    public Dim[]? SymbolicData { get; set; }

    /// <summary>
    /// Set when this value's producer should write straight into a slice of a Concat's output
    /// instead of its own buffer (the memory planner honours it; executors may ignore it).
    /// </summary>
    public ConcatPlacement? Placement { get; set; }

    public Node? Producer { get; internal set; }
    internal List<Node> ConsumerList { get; } = [];
    public IReadOnlyList<Node> Consumers => ConsumerList;

    public bool IsInitializer { get; internal set; }
    public bool IsGraphInput { get; internal set; }
    public bool IsGraphOutput { get; internal set; }

    public override string ToString() => $"{Name}: {Type.Name()}[{Shape?.ToString() ?? "?"}]";
}
