using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Runtime;

/// <summary>
/// A tensor as a layer sees it: element type, static shape, and either a byte offset in the
/// context's arena or constant contents (weights).
/// </summary>
public sealed record TensorSlot(string Name, DataType Type, int[] Shape, long Offset, Tensor? Constant)
{
    public const long NotPlaced = -1;

    public bool IsConstant => Constant is not null;
    public long ElementCount => Tensor.ElementCount(Shape);
    public long Bytes => ElementCount * Type.SizeOf();

    public override string ToString() => $"{Name}: {Type.Name()}[{Tensor.ShapeText(Shape)}]" + (IsConstant ? " const" : $" @{Offset}");
}

/// <summary>One node ready to compile: its tensors (placed once the memory plan exists) and its scratch area.</summary>
public sealed record LayerSpec(Node Node, IReadOnlyList<TensorSlot?> Inputs, IReadOnlyList<TensorSlot> Outputs, long WorkspaceOffset = TensorSlot.NotPlaced)
{
    public TensorSlot Input(int i) => i < Inputs.Count && Inputs[i] is { } s ? s : throw new InvalidOperationException($"{Node.Describe()} has no input {i}");
    public TensorSlot? OptionalInput(int i) => i < Inputs.Count ? Inputs[i] : null;
    public TensorSlot Output(int i) => Outputs[i];
}
