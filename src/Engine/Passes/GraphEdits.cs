using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Passes;

/// <summary>Small queries and edits the passes share.</summary>
public static class GraphEdits
{
    /// <summary>The node that alone reads <paramref name="value"/>, when the value is not also a graph output.</summary>
    public static Node? SingleConsumer(Value value) =>
        value.Consumers.Count == 1 && !value.IsGraphOutput ? value.Consumers[0] : null;

    public static bool IsOp(Node? node, string opType) => node is not null && node.OpType == opType && node.Domain == "";

    public static Tensor? ConstantOf(Value? value) => value?.Constant is { } t && (value.IsInitializer || value.Producer is null) ? t : null;

    /// <summary>A single float constant (any shape with one element), or null.</summary>
    public static float? ScalarOf(Value? value) =>
        ConstantOf(value) is { Length: 1 } t && t.Type == DataType.Float32 ? t.Floats[0] : null;

    public static bool Near(float? value, float expected, float tolerance = 1e-5f) =>
        value is float v && MathF.Abs(v - expected) <= tolerance * MathF.Max(1f, MathF.Abs(expected));

    /// <summary>The other input of a two-input node.</summary>
    public static Value? Other(Node node, Value one) => node.Input(0) == one ? node.Input(1) : node.Input(0);

    /// <summary>Makes every reader of <paramref name="old"/> read <paramref name="replacement"/> instead.</summary>
    public static void ReplaceUses(ModelGraph graph, Value old, Value replacement)
    {
        foreach (var consumer in old.Consumers.ToList())
            for (int i = 0; i < consumer.Inputs.Count; i++)
                if (consumer.Inputs[i] == old) consumer.Inputs[i] = replacement;
        graph.RebuildLinks();
    }

    /// <summary>
    /// Removes <paramref name="consumer"/> by letting <paramref name="producer"/> write the
    /// consumer's output value, which keeps graph output names stable.
    /// </summary>
    public static void Absorb(ModelGraph graph, Node producer, Node consumer, int producerOutput = 0)
    {
        var output = consumer.Outputs[0];
        graph.RemoveNode(consumer);
        var old = producer.Outputs[producerOutput];
        producer.Outputs[producerOutput] = output;
        output.Producer = producer;
        old.Producer = null;
        graph.RebuildLinks();
    }

    public static Value NewInitializer(ModelGraph graph, string hint, Tensor tensor) =>
        graph.AddInitializer(graph.UniqueValueName(hint), tensor);

    /// <summary>A new value for an intermediate result, named after <paramref name="hint"/>.</summary>
    public static Value NewValue(ModelGraph graph, string hint) => graph.GetOrAddValue(graph.UniqueValueName(hint));

    /// <summary>Swaps <paramref name="node"/> for a node of another op type with the same inputs, outputs and attributes.</summary>
    public static Node Replace(ModelGraph graph, Node node, string opType, string domain)
    {
        var replacement = new Node(node.Name, opType, domain);
        replacement.Inputs.AddRange(node.Inputs);
        replacement.Outputs.AddRange(node.Outputs);
        foreach (var a in node.Attributes) replacement.SetAttribute(a);
        int index = graph.Nodes.IndexOf(node);
        graph.RemoveNode(node);
        graph.AddNode(replacement);
        graph.Nodes.Remove(replacement);
        graph.Nodes.Insert(index, replacement);
        return replacement;
    }
}
