using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Graph;

/// <summary>What a shape rule sees of one node: its inputs' types, shapes and known contents.</summary>
public sealed class ShapeContext
{
    /// <summary>Integer tensors up to this many elements carry their (possibly symbolic) contents.</summary>
    public const int MaxSymbolicElements = 64;

    public ShapeContext(Node node) => Node = node;

    public Node Node { get; }
    public int InputCount => Node.Inputs.Count;
    public bool HasInput(int i) => Node.HasInput(i);
    public DataType InputType(int i) => Node.Input(i)?.Type ?? DataType.Undefined;
    public TensorShape? InputShape(int i) => Node.Input(i)?.Shape;
    public int? InputRank(int i) => Node.Input(i)?.Shape?.Rank;
    public Tensor? InputConstant(int i) => Node.Input(i)?.Constant;

    /// <summary>The shape of input <paramref name="i"/>; an error when the input is missing.</summary>
    public TensorShape? RequireInputShape(int i) =>
        HasInput(i) ? InputShape(i) : throw Error($"input {i} is required");

    /// <summary>Contents of a small integer input as dimensions (known or symbolic), when known.</summary>
    public Dim[]? InputValues(int i)
    {
        var v = Node.Input(i);
        if (v is null) return null;
        if (v.SymbolicData is not null) return v.SymbolicData;
        if (v.Constant is { } t && t.Type.IsInteger() && t.Length <= 1 << 16)
            return t.ToLongs().Select(x => Dim.Known(x)).ToArray();
        return null;
    }

    /// <summary>Contents of a constant integer input (axes, pads, ...); null when not constant.</summary>
    public long[]? ConstantInts(int i)
    {
        var values = InputValues(i);
        return values is not null && values.All(d => d.IsKnown) ? values.Select(d => d.Value!.Value).ToArray() : null;
    }

    public void SetOutput(int index, DataType type, TensorShape? shape, Dim[]? values = null)
    {
        if (index >= Node.Outputs.Count) return; // an omitted optional output
        var output = Node.Outputs[index];
        output.Type = type;
        output.Shape = shape;
        output.SymbolicData = values is not null && values.Length <= MaxSymbolicElements ? values : null;
    }

    public int NormalizeAxis(long axis, int rank, string what = "axis")
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw Error($"{what} {axis} is out of range for rank {rank}");
        return (int)a;
    }

    public ShapeInferenceException Error(string message) => new($"{Node.Describe()}: {message}");
}
