using System.Text;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Onnx.Proto;
using EdgeAgent.Engine.Tensors;
using Google.Protobuf;

namespace EdgeAgent.Engine.Onnx;

/// <summary>
/// Writes the graph IR back as an ONNX ModelProto in the newest opset, with every value's type
/// and shape recorded, so <see cref="OnnxImporter"/> reads it back identically. Fused ops keep
/// their EdgeAgent domain; the engine file stores optimized graphs this way.
/// </summary>
public static class OnnxExporter
{
    public static ModelProto ToProto(Model model)
    {
        var graph = model.Graph;
        var proto = new ModelProto
        {
            IrVersion = 8,
            ProducerName = model.ProducerName,
            ProducerVersion = model.ProducerVersion,
            ModelVersion = model.ModelVersion,
            Graph = new GraphProto { Name = graph.Name },
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxImporter.MaxOpset });
        if (graph.Nodes.Any(n => n.Domain == FusedOps.Domain))
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = FusedOps.Domain, Version = 1 });
        foreach (var (key, value) in model.Metadata) proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });

        var g = proto.Graph;
        foreach (var init in graph.Initializers.OrderBy(v => v.Name, StringComparer.Ordinal))
            g.Initializer.Add(OnnxModelBuilder.ToTensorProto(init.Name, init.Constant!));
        foreach (var input in graph.Inputs) g.Input.Add(ValueInfo(input));
        foreach (var output in graph.Outputs) g.Output.Add(ValueInfo(output));
        foreach (var node in graph.TopologicalOrder())
        {
            var np = new NodeProto { Name = node.Name, OpType = node.OpType, Domain = node.Domain };
            np.Input.AddRange(node.Inputs.Select(v => v?.Name ?? ""));
            np.Output.AddRange(node.Outputs.Select(v => v.Name));
            foreach (var a in node.Attributes.OrderBy(a => a.Name, StringComparer.Ordinal)) np.Attribute.Add(AttributeToProto(a));
            g.Node.Add(np);
            foreach (var output in node.Outputs)
                if (!output.IsGraphOutput && output.Type != DataType.Undefined) g.ValueInfo.Add(ValueInfo(output));
        }
        return proto;
    }

    public static byte[] ToBytes(Model model) => ToProto(model).ToByteArray();

    private static ValueInfoProto ValueInfo(Value value)
    {
        var type = new TypeProto.Types.Tensor { ElemType = (int)value.Type };
        if (value.Shape is { } shape)
        {
            type.Shape = new TensorShapeProto();
            foreach (var d in shape.Dims)
                type.Shape.Dim.Add(d.IsKnown ? new TensorShapeProto.Types.Dimension { DimValue = d.Value!.Value }
                    : d.IsSymbolic ? new TensorShapeProto.Types.Dimension { DimParam = d.Symbol! }
                    : new TensorShapeProto.Types.Dimension());
        }
        return new ValueInfoProto { Name = value.Name, Type = new TypeProto { TensorType = type } };
    }

    private static AttributeProto AttributeToProto(NodeAttribute a)
    {
        var p = new AttributeProto { Name = a.Name };
        switch (a.Kind)
        {
            case AttributeKind.Float: p.Type = AttributeProto.Types.AttributeType.Float; p.F = a.Float; break;
            case AttributeKind.Int: p.Type = AttributeProto.Types.AttributeType.Int; p.I = a.Int; break;
            case AttributeKind.String: p.Type = AttributeProto.Types.AttributeType.String; p.S = ByteString.CopyFrom(Encoding.UTF8.GetBytes(a.String)); break;
            case AttributeKind.Tensor: p.Type = AttributeProto.Types.AttributeType.Tensor; p.T = OnnxModelBuilder.ToTensorProto("", a.Tensor!); break;
            case AttributeKind.Floats: p.Type = AttributeProto.Types.AttributeType.Floats; p.Floats.AddRange(a.Floats); break;
            case AttributeKind.Ints: p.Type = AttributeProto.Types.AttributeType.Ints; p.Ints.AddRange(a.Ints); break;
            case AttributeKind.Strings:
                p.Type = AttributeProto.Types.AttributeType.Strings;
                p.Strings.AddRange(a.Strings.Select(s => ByteString.CopyFrom(Encoding.UTF8.GetBytes(s))));
                break;
            default: throw new NotSupportedException($"attribute '{a.Name}' holds a graph, which cannot be exported");
        }
        return p;
    }
}
