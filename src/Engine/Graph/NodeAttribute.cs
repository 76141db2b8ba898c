using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Graph;

public enum AttributeKind { Float, Int, String, Tensor, Floats, Ints, Strings, Graph }

/// <summary>A typed node attribute. Exactly the member matching <see cref="Kind"/> is meaningful.</summary>
public sealed record NodeAttribute(string Name, AttributeKind Kind)
{
    public float Float { get; init; }
    public long Int { get; init; }
    public string String { get; init; } = "";
    public Tensor? Tensor { get; init; }
    public float[] Floats { get; init; } = [];
    public long[] Ints { get; init; } = [];
    public string[] Strings { get; init; } = [];

    public static NodeAttribute Of(string name, long value) => new(name, AttributeKind.Int) { Int = value };
    public static NodeAttribute Of(string name, float value) => new(name, AttributeKind.Float) { Float = value };
    public static NodeAttribute Of(string name, string value) => new(name, AttributeKind.String) { String = value };
    public static NodeAttribute Of(string name, long[] values) => new(name, AttributeKind.Ints) { Ints = values };
    public static NodeAttribute Of(string name, float[] values) => new(name, AttributeKind.Floats) { Floats = values };
    public static NodeAttribute Of(string name, Tensor value) => new(name, AttributeKind.Tensor) { Tensor = value };

    public override string ToString() => Kind switch
    {
        AttributeKind.Float => $"{Name}={Float}",
        AttributeKind.Int => $"{Name}={Int}",
        AttributeKind.String => $"{Name}={String}",
        AttributeKind.Tensor => $"{Name}={Tensor}",
        AttributeKind.Floats => $"{Name}=[{string.Join(",", Floats)}]",
        AttributeKind.Ints => $"{Name}=[{string.Join(",", Ints)}]",
        AttributeKind.Strings => $"{Name}=[{string.Join(",", Strings)}]",
        _ => $"{Name}=<graph>",
    };
}
