namespace EdgeAgent.Engine.Graph;

/// <summary>The model file cannot be read: corrupt protobuf, bad tensor data, bad external data.</summary>
public class ModelFormatException : EngineUserException
{
    public ModelFormatException(string message) : base(message) { }
    public ModelFormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The graph is structurally wrong: a cycle, an undefined input, a type mismatch.</summary>
public class GraphValidationException(string message) : EngineUserException(message);

/// <summary>Shapes or types do not fit an op (cannot broadcast, wrong rank, bad attribute).</summary>
public class ShapeInferenceException(string message) : EngineUserException(message);

/// <summary>The model uses ops EdgeAgent does not implement; lists every op type and its first node.</summary>
public class UnsupportedOpsException(IReadOnlyList<(string OpType, string FirstNode)> ops) : EngineUserException(
    $"unsupported op{(ops.Count > 1 ? "s" : "")}: " + string.Join(", ", ops.Select(o => $"{o.OpType} (first at node '{o.FirstNode}')")))
{
    public IReadOnlyList<(string OpType, string FirstNode)> Ops { get; } = ops;
}
