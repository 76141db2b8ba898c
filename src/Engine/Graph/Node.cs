namespace EdgeAgent.Engine.Graph;

/// <summary>
/// One operation. Inputs may contain null for an omitted optional input (ONNX's empty name).
/// Attributes are stored in canonical (newest-opset) form: the importer rewrites older forms.
/// </summary>
public sealed class Node
{
    private readonly Dictionary<string, NodeAttribute> _attributes = new(StringComparer.Ordinal);

    public Node(string name, string opType, string domain = "")
    {
        Name = name;
        OpType = opType;
        Domain = domain;
    }

    public string Name { get; set; }
    public string OpType { get; set; }
    public string Domain { get; }
    public List<Value?> Inputs { get; } = [];
    public List<Value> Outputs { get; } = [];

    public IReadOnlyCollection<NodeAttribute> Attributes => _attributes.Values;

    public Value? Input(int index) => index < Inputs.Count ? Inputs[index] : null;
    public bool HasInput(int index) => Input(index) is not null;

    public void SetAttribute(NodeAttribute attribute) => _attributes[attribute.Name] = attribute;
    public bool RemoveAttribute(string name) => _attributes.Remove(name);
    public bool HasAttribute(string name) => _attributes.ContainsKey(name);
    public NodeAttribute? Attribute(string name) => _attributes.GetValueOrDefault(name);

    public long GetInt(string name, long fallback) => _attributes.TryGetValue(name, out var a) ? a.Int : fallback;
    public float GetFloat(string name, float fallback) => _attributes.TryGetValue(name, out var a) ? a.Float : fallback;
    public string GetString(string name, string fallback) => _attributes.TryGetValue(name, out var a) ? a.String : fallback;
    public long[]? GetInts(string name) => _attributes.TryGetValue(name, out var a) ? a.Ints : null;
    public float[]? GetFloats(string name) => _attributes.TryGetValue(name, out var a) ? a.Floats : null;

    /// <summary>How messages name this node: its name (or first output when unnamed) and op type.</summary>
    public string Describe() => $"node '{DisplayName}' ({OpType})";

    public string DisplayName => Name.Length > 0 ? Name : Outputs.Count > 0 ? Outputs[0].Name : "<unnamed>";

    public override string ToString() => Describe();
}
