using System.Text;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx.Proto;
using EdgeAgent.Engine.Tensors;
using Google.Protobuf;

namespace EdgeAgent.Engine.Onnx;

/// <summary>
/// Reads an ONNX file into the graph IR: parses the protobuf, decodes initializers and
/// constant attributes, builds values and nodes, and rewrites older-opset forms into the
/// canonical ones (<see cref="OpsetNormalizer"/>). Shapes are inferred separately.
/// </summary>
public static class OnnxImporter
{
    public const int MinOpset = 7;
    public const int MaxOpset = 21;

    public static Model Load(string path)
    {
        if (!File.Exists(path))
            throw new ModelFormatException($"model file '{path}' not found");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) { throw new ModelFormatException($"cannot read model file '{path}': {e.Message}", e); }
        return FromBytes(bytes, Path.GetDirectoryName(Path.GetFullPath(path)), path);
    }

    /// <param name="modelDirectory">Folder for external data, or null when the model has none.</param>
    public static Model FromBytes(byte[] bytes, string? modelDirectory, string displayName)
    {
        ModelProto proto;
        try { proto = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e)
        {
            throw new ModelFormatException($"'{displayName}' is not a valid ONNX model (corrupt or truncated protobuf: {e.Message.TrimEnd('.')})", e);
        }
        return FromProto(proto, modelDirectory, displayName);
    }

    public static Model FromProto(ModelProto proto, string? modelDirectory, string displayName)
    {
        if (proto.Graph is null || (proto.Graph.Node.Count == 0 && proto.Graph.Output.Count == 0))
            throw new ModelFormatException($"'{displayName}' is not a valid ONNX model (it has no graph)");
        long opset = proto.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        if (opset == 0)
            throw new ModelFormatException($"'{displayName}' declares no opset for the ONNX domain");
        if (opset < MinOpset || opset > MaxOpset)
            throw new ModelFormatException($"'{displayName}' uses opset {opset}; supported opsets are {MinOpset} to {MaxOpset}");

        var reader = new OnnxTensorReader(modelDirectory);
        var graph = new ModelGraph { Name = proto.Graph.Name ?? "" };
        var g = proto.Graph;

        foreach (var init in g.Initializer)
        {
            if (string.IsNullOrEmpty(init.Name))
                throw new ModelFormatException($"'{displayName}' has an initializer without a name");
            graph.AddInitializer(init.Name, reader.Read(init, $"initializer '{init.Name}'"));
        }
        foreach (var input in g.Input)
        {
            var value = graph.GetOrAddValue(input.Name);
            if (value.IsInitializer) continue; // older IR versions list weights among the inputs
            ApplyValueInfo(value, input, displayName);
            graph.AddInput(value);
        }
        foreach (var np in g.Node)
            graph.AddNode(ReadNode(np, graph, reader));
        foreach (var output in g.Output)
        {
            var value = graph.FindValue(output.Name)
                ?? throw new GraphValidationException($"graph output '{output.Name}' is produced by no node");
            if (value.Type == DataType.Undefined) ApplyValueInfo(value, output, displayName);
            graph.AddOutput(value);
        }

        var model = new Model(graph)
        {
            IrVersion = proto.IrVersion,
            Opset = opset,
            ProducerName = proto.ProducerName ?? "",
            ProducerVersion = proto.ProducerVersion ?? "",
            ModelVersion = proto.ModelVersion,
            Metadata = proto.MetadataProps.GroupBy(m => m.Key).ToDictionary(m => m.Key, m => m.Last().Value),
            SourcePath = displayName,
        };
        OpsetNormalizer.Normalize(model);
        return model;
    }

    private static void ApplyValueInfo(Value value, ValueInfoProto info, string displayName)
    {
        var tensorType = info.Type?.TensorType;
        if (tensorType is null) return;
        value.Type = DataTypeInfo.FromOnnx(tensorType.ElemType);
        if (value.Type == DataType.Undefined && value.IsGraphInput is false && tensorType.ElemType != 0)
            throw new ModelFormatException($"'{displayName}': value '{info.Name}' has unsupported element type {DataTypeInfo.OnnxName(tensorType.ElemType)}");
        if (tensorType.Shape is null) return;
        value.Shape = new TensorShape(tensorType.Shape.Dim.Select(d =>
            d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue >= 0 ? Dim.Known(d.DimValue)
            : d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam && d.DimParam.Length > 0 ? Dim.Sym(d.DimParam)
            : Dim.Unknown));
    }

    private static Node ReadNode(NodeProto np, ModelGraph graph, OnnxTensorReader reader)
    {
        string domain = np.Domain is "ai.onnx" ? "" : np.Domain ?? "";
        var node = new Node(np.Name ?? "", np.OpType ?? "", domain);
        foreach (var name in np.Input)
            node.Inputs.Add(name.Length == 0 ? null : graph.GetOrAddValue(name));
        foreach (var name in np.Output)
        {
            if (name.Length == 0) continue; // an omitted optional output
            var value = graph.GetOrAddValue(name);
            if (value.Producer is not null || value.IsInitializer || value.IsGraphInput)
                throw new GraphValidationException($"{node.Describe()} writes '{name}', which is already defined elsewhere");
            node.Outputs.Add(value);
        }
        foreach (var a in np.Attribute)
            node.SetAttribute(ReadAttribute(a, node, reader));
        return node;
    }

    private static NodeAttribute ReadAttribute(AttributeProto a, Node node, OnnxTensorReader reader)
    {
        var kind = a.Type switch
        {
            AttributeProto.Types.AttributeType.Float => AttributeKind.Float,
            AttributeProto.Types.AttributeType.Int => AttributeKind.Int,
            AttributeProto.Types.AttributeType.String => AttributeKind.String,
            AttributeProto.Types.AttributeType.Tensor => AttributeKind.Tensor,
            AttributeProto.Types.AttributeType.Floats => AttributeKind.Floats,
            AttributeProto.Types.AttributeType.Ints => AttributeKind.Ints,
            AttributeProto.Types.AttributeType.Strings => AttributeKind.Strings,
            AttributeProto.Types.AttributeType.Graph or AttributeProto.Types.AttributeType.Graphs => AttributeKind.Graph,
            _ => InferKind(a, node),
        };
        return new NodeAttribute(a.Name, kind)
        {
            Float = a.F,
            Int = a.I,
            String = a.HasS ? Encoding.UTF8.GetString(a.S.Span) : "",
            Tensor = kind == AttributeKind.Tensor && a.T is not null ? reader.Read(a.T, $"attribute '{a.Name}' of {node.Describe()}") : null,
            Floats = a.Floats.ToArray(),
            Ints = a.Ints.ToArray(),
            Strings = a.Strings.Select(s => Encoding.UTF8.GetString(s.Span)).ToArray(),
        };
    }

    /// <summary>Very old exporters leave the attribute type unset; infer it from the field present.</summary>
    private static AttributeKind InferKind(AttributeProto a, Node node)
    {
        if (a.Ints.Count > 0) return AttributeKind.Ints;
        if (a.Floats.Count > 0) return AttributeKind.Floats;
        if (a.Strings.Count > 0) return AttributeKind.Strings;
        if (a.T is not null) return AttributeKind.Tensor;
        if (a.HasS) return AttributeKind.String;
        if (a.HasF) return AttributeKind.Float;
        if (a.HasI) return AttributeKind.Int;
        throw new ModelFormatException($"attribute '{a.Name}' of {node.Describe()} has no type and no value");
    }
}
