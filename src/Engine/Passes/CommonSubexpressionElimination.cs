using System.Runtime.InteropServices;
using System.Text;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// Merges nodes that compute the same thing (same op, same inputs, same attributes) and small
/// initializers with identical contents, which exporters often repeat.
/// </summary>
public sealed class CommonSubexpressionElimination : IGraphPass
{
    private const int MaxMergedInitializerElements = 4096;

    public string Name => "common-subexpression-elimination";

    public void Run(PassContext context)
    {
        var graph = context.Graph;
        MergeInitializers(context);
        var seen = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var node in graph.TopologicalOrder())
        {
            string key = Signature(node);
            if (!seen.TryGetValue(key, out var first)) { seen[key] = node; continue; }
            if (node.Outputs.Any(o => o.IsGraphOutput)) continue;
            graph.RemoveNode(node);
            for (int i = 0; i < node.Outputs.Count; i++) GraphEdits.ReplaceUses(graph, node.Outputs[i], first.Outputs[i]);
            context.Record($"duplicate {node.OpType} merged");
        }
    }

    private static void MergeInitializers(PassContext context)
    {
        var graph = context.Graph;
        var seen = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var init in graph.Initializers.OrderBy(v => v.Name, StringComparer.Ordinal).ToList())
        {
            if (init.IsGraphOutput || init.Constant!.Length > MaxMergedInitializerElements) continue;
            string key = TensorKey(init.Constant);
            if (!seen.TryGetValue(key, out var first)) { seen[key] = init; continue; }
            if (init.Consumers.Count == 0) continue;
            GraphEdits.ReplaceUses(graph, init, first);
            context.Record("duplicate initializer merged");
        }
    }

    private static string Signature(Node node)
    {
        var sb = new StringBuilder(node.Domain).Append('|').Append(node.OpType).Append('|');
        foreach (var input in node.Inputs) sb.Append(input?.Name ?? "").Append(',');
        sb.Append('|').Append(node.Outputs.Count).Append('|');
        foreach (var a in node.Attributes.OrderBy(a => a.Name, StringComparer.Ordinal))
            sb.Append(a.Kind == AttributeKind.Tensor && a.Tensor is not null ? $"{a.Name}={TensorKey(a.Tensor)}" : a.ToString()).Append(';');
        return sb.ToString();
    }

    private static string TensorKey(Tensor t)
    {
        ReadOnlySpan<byte> bytes = t.Data switch
        {
            float[] f => MemoryMarshal.AsBytes(f.AsSpan()),
            long[] l => MemoryMarshal.AsBytes(l.AsSpan()),
            int[] i => MemoryMarshal.AsBytes(i.AsSpan()),
            bool[] b => MemoryMarshal.AsBytes(b.AsSpan()),
            _ => Encoding.UTF8.GetBytes(string.Join(",", t.ToFloats())),
        };
        return $"{t.Type}:{Tensor.ShapeText(t.Shape)}:{Convert.ToHexString(bytes)}";
    }
}
