using System.Runtime.InteropServices;
using EdgeAgent.Engine.Onnx.Proto;
using EdgeAgent.Engine.Tensors;
using Google.Protobuf;

namespace EdgeAgent.Engine.Onnx;

/// <summary>A graph input/output dimension: a fixed size or a symbolic name such as "N". Converts from int and string.</summary>
public readonly record struct OnnxDim(long? Value, string? Param)
{
    public static implicit operator OnnxDim(long value) => new(value, null);
    public static implicit operator OnnxDim(int value) => new(value, null);
    public static implicit operator OnnxDim(string param) => new(null, param);

    public override string ToString() => Param ?? Value?.ToString() ?? "?";
}

/// <summary>
/// Builds ONNX models in code: generated test and benchmark models, and small graphs in tests.
/// Value-producing calls (<see cref="Initializer(string, Tensor)"/>, <see cref="Op(string, string, IReadOnlyList{string}, AttributeProto[])"/>)
/// return the new value's name so graphs read like the code that computes them;
/// <see cref="Build"/> checks that every value is defined before use, so a zoo bug fails
/// here with the node's name rather than later inside a runtime.
/// </summary>
public sealed class OnnxModelBuilder
{
    private readonly GraphProto _graph;
    private readonly List<OperatorSetIdProto> _opsets = [];
    private readonly HashSet<string> _defined = [];
    private readonly HashSet<string> _nodeNames = [];
    private readonly Dictionary<string, int> _autoNameCounts = [];
    private readonly long _irVersion;
    private string _producer = "edgeagent";

    public OnnxModelBuilder(string graphName, long opset = 17, long irVersion = 8)
    {
        _graph = new GraphProto { Name = graphName };
        _irVersion = irVersion;
        _opsets.Add(new OperatorSetIdProto { Domain = "", Version = opset });
    }

    public OnnxModelBuilder Producer(string name)
    {
        _producer = name;
        return this;
    }

    /// <summary>Imports an additional operator set (a custom domain such as "com.microsoft").</summary>
    public OnnxModelBuilder Opset(string domain, long version)
    {
        _opsets.RemoveAll(o => o.Domain == domain);
        _opsets.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        return this;
    }

    /// <summary>Declares a graph input of unknown shape.</summary>
    public OnnxModelBuilder Input(string name, DataType type) => AddInput(name, type, null);

    /// <summary>Declares a graph input; no dims declares a scalar.</summary>
    public OnnxModelBuilder Input(string name, DataType type, params OnnxDim[] dims) => AddInput(name, type, dims);

    /// <summary>Declares a graph output of unknown shape.</summary>
    public OnnxModelBuilder Output(string name, DataType type) => AddOutput(name, type, null);

    public OnnxModelBuilder Output(string name, DataType type, params OnnxDim[] dims) => AddOutput(name, type, dims);

    public string Initializer(string name, float[] values, params int[] dims) => Initializer(name, Tensor.FromFloats(values, dims));

    public string Initializer(string name, long[] values, params int[] dims) => Initializer(name, Tensor.FromLongs(values, dims));

    /// <summary>Adds a constant weight stored as raw little-endian bytes; returns its name.</summary>
    public string Initializer(string name, Tensor tensor)
    {
        Define(name);
        _graph.Initializer.Add(ToTensorProto(name, tensor));
        return name;
    }

    /// <summary>Adds a single-output node named <paramref name="name"/> whose output value has the same name.</summary>
    public string Op(string opType, string name, IReadOnlyList<string> inputs, params AttributeProto[] attributes) =>
        Node(opType, name, inputs, [name], attributes)[0];

    /// <summary>Adds a single-output node with a generated name ("Relu_3").</summary>
    public string Op(string opType, IReadOnlyList<string> inputs, params AttributeProto[] attributes) =>
        Op(opType, AutoName(opType), inputs, attributes);

    /// <summary>Adds a node with any number of outputs; an empty input name marks an omitted optional input.</summary>
    public IReadOnlyList<string> Node(string opType, string name, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
        params AttributeProto[] attributes)
    {
        if (!_nodeNames.Add(name)) throw new InvalidOperationException($"node name '{name}' is used twice");
        foreach (string input in inputs)
        {
            if (input.Length > 0 && !_defined.Contains(input))
                throw new InvalidOperationException($"node '{name}' ({opType}) uses '{input}' before it is defined");
        }
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        foreach (string output in outputs) Define(output);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return outputs;
    }

    public ModelProto Build()
    {
        foreach (var output in _graph.Output)
        {
            if (!_defined.Contains(output.Name))
                throw new InvalidOperationException($"graph output '{output.Name}' is produced by no node");
        }
        var model = new ModelProto
        {
            IrVersion = _irVersion,
            ProducerName = _producer,
            Graph = _graph.Clone(),
        };
        model.OpsetImport.AddRange(_opsets.Select(o => o.Clone()));
        return model;
    }

    public byte[] ToBytes() => Build().ToByteArray();

    public void Save(string path) => File.WriteAllBytes(path, ToBytes());

    public static TensorProto ToTensorProto(string name, Tensor tensor)
    {
        if (tensor.Type == DataType.String) throw new NotSupportedException("string tensors are not supported");
        var proto = new TensorProto { Name = name, DataType = (int)tensor.Type };
        foreach (int d in tensor.Shape) proto.Dims.Add(d);
        var bytes = MemoryMarshal.CreateReadOnlySpan(
            ref MemoryMarshal.GetArrayDataReference(tensor.Data), tensor.Length * tensor.Type.SizeOf());
        // ONNX stores raw_data little-endian; every host EdgeAgent targets is little-endian.
        proto.RawData = ByteString.CopyFrom(bytes);
        return proto;
    }

    private OnnxModelBuilder AddInput(string name, DataType type, OnnxDim[]? dims)
    {
        Define(name);
        _graph.Input.Add(ValueInfo(name, type, dims));
        return this;
    }

    private OnnxModelBuilder AddOutput(string name, DataType type, OnnxDim[]? dims)
    {
        if (_graph.Output.Any(o => o.Name == name)) throw new InvalidOperationException($"graph output '{name}' is declared twice");
        _graph.Output.Add(ValueInfo(name, type, dims));
        return this;
    }

    private static ValueInfoProto ValueInfo(string name, DataType type, OnnxDim[]? dims)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (dims is not null)
        {
            var shape = new TensorShapeProto();
            foreach (var d in dims)
            {
                shape.Dim.Add(d.Param is { } p
                    ? new TensorShapeProto.Types.Dimension { DimParam = p }
                    : new TensorShapeProto.Types.Dimension { DimValue = d.Value ?? throw new ArgumentException("a dimension needs a value or a name") });
            }
            tensorType.Shape = shape;
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }

    private void Define(string name)
    {
        if (name.Length == 0) throw new ArgumentException("value names must not be empty");
        if (!_defined.Add(name)) throw new InvalidOperationException($"value '{name}' is defined twice");
    }

    private string AutoName(string opType)
    {
        int n = _autoNameCounts.GetValueOrDefault(opType);
        string name;
        do name = $"{opType}_{n++}"; while (_nodeNames.Contains(name) || _defined.Contains(name));
        _autoNameCounts[opType] = n;
        return name;
    }
}

/// <summary>Typed node attributes for <see cref="OnnxModelBuilder"/>.</summary>
public static class OnnxAttr
{
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Floats(string name, params float[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        a.Floats.AddRange(values);
        return a;
    }

    public static AttributeProto Tensor(string name, Tensor value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = OnnxModelBuilder.ToTensorProto("", value) };
}
