using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>Checked access to a node's runtime inputs, with errors that name the node.</summary>
internal static class KernelArgs
{
    public static Tensor Required(this Node node, Tensor?[] inputs, int index) =>
        index < inputs.Length && inputs[index] is { } t ? t : throw node.Fail($"input {index} is required");

    public static Tensor? Optional(Tensor?[] inputs, int index) => index < inputs.Length ? inputs[index] : null;

    public static ShapeInferenceException Fail(this Node node, string message) => new($"{node.Describe()}: {message}");

    public static int Axis(this Node node, long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        return a >= 0 && a < rank ? (int)a : throw node.Fail($"axis {axis} is out of range for rank {rank}");
    }

    public static float[] FloatsOf(this Node node, Tensor t) =>
        t.Data as float[] ?? throw node.Fail($"expected float32 data, got {t.Type.Name()}");

    public static string ShapeText(this Tensor t) => Tensor.ShapeText(t.Shape);
}
