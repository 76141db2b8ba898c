using System.Text;
using EdgeAgent.Engine.Graph.Ops;

namespace EdgeAgent.Engine.Graph;

/// <summary>Writes a graph as Graphviz DOT: one box per node, edges labelled with tensor shapes.</summary>
public static class GraphDot
{
    public static string Write(ModelGraph graph)
    {
        var sb = new StringBuilder();
        sb.AppendLine("digraph model {");
        sb.AppendLine("  rankdir=TB;");
        sb.AppendLine("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", fontname=\"Helvetica\", fontsize=10];");
        sb.AppendLine("  edge [fontname=\"Helvetica\", fontsize=8, color=\"#667788\"];");
        var ids = new Dictionary<Node, string>();
        foreach (var (node, i) in graph.Nodes.Select((n, i) => (n, i)))
        {
            ids[node] = $"n{i}";
            string detail = node.OpType == FusedOps.FusedConv || node.OpType == FusedOps.FusedGemm || node.OpType == FusedOps.FusedMatMul
                ? Describe(node) : "";
            string fill = node.Domain == FusedOps.Domain ? ", fillcolor=\"#d9f2d9\"" : "";
            sb.AppendLine($"  n{i} [label=\"{Escape(node.OpType)}{detail}\\n{Escape(node.DisplayName)}\"{fill}];");
        }
        foreach (var input in graph.Inputs)
            sb.AppendLine($"  \"in_{Escape(input.Name)}\" [shape=ellipse, fillcolor=\"#fff4d6\", label=\"{Escape(input.Name)}\\n{input.Shape}\"];");
        foreach (var output in graph.Outputs)
            sb.AppendLine($"  \"out_{Escape(output.Name)}\" [shape=ellipse, fillcolor=\"#fff4d6\", label=\"{Escape(output.Name)}\\n{output.Shape}\"];");
        foreach (var node in graph.Nodes)
            foreach (var input in node.Inputs)
            {
                if (input is null || input.IsInitializer) continue;
                string from = input.Producer is { } p && ids.TryGetValue(p, out var id) ? id : $"\"in_{Escape(input.Name)}\"";
                sb.AppendLine($"  {from} -> {ids[node]} [label=\"{input.Shape}\"];");
            }
        foreach (var output in graph.Outputs)
            if (output.Producer is { } p && ids.TryGetValue(p, out var id))
                sb.AppendLine($"  {id} -> \"out_{Escape(output.Name)}\";");
        sb.AppendLine("}");
        return sb.ToString();
    }

    private static string Describe(Node node)
    {
        var parts = new List<string>();
        var activation = Activation.FromAttributes(node);
        if (activation.Kind != ActivationKind.None) parts.Add(activation.ToString());
        if (node.HasInput(3) && node.OpType == FusedOps.FusedConv) parts.Add("+residual");
        return parts.Count == 0 ? "" : $" [{string.Join(" ", parts)}]";
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"");
}
