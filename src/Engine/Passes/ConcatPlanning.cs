using EdgeAgent.Engine.Graph;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// Plans Concat away: when every dimension before the concat axis is 1, each input is one
/// contiguous slice of the output, so its producer can write there directly and the Concat
/// copies nothing. Inputs qualify when a computing node (not a view such as Reshape) produces
/// them for this Concat alone. The plan is recorded on the values (<see cref="Value.Placement"/>).
/// </summary>
public sealed class ConcatPlanning : IGraphPass
{
    private static readonly HashSet<string> Views = ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"];

    public string Name => "concat-planning";

    public void Run(PassContext context)
    {
        var graph = context.Graph;
        var previous = graph.Values.Where(v => v.Placement is not null).ToDictionary(v => v, v => v.Placement!);
        foreach (var v in previous.Keys) v.Placement = null;

        foreach (var concat in graph.Nodes.Where(n => GraphEdits.IsOp(n, "Concat")))
        {
            var output = concat.Outputs[0];
            if (output.Shape is not { IsStatic: true } shape) continue;
            int axis = (int)concat.GetInt("axis", 0);
            if (axis < 0) axis += shape.Rank;
            if (shape.Dims.Take(axis).Any(d => d.Value != 1)) continue;
            long offset = 0;
            foreach (var input in concat.Inputs)
            {
                long width = input!.Shape![axis].Value!.Value;
                bool planned = input.Producer is { } p && !Views.Contains(p.OpType) && p.Outputs.Count == 1 &&
                    input.Consumers.Count == 1 && !input.IsGraphOutput && input.Placement is null &&
                    concat.Inputs.Count(i => i == input) == 1;
                if (planned) input.Placement = new ConcatPlacement(output, axis, offset);
                offset += width;
            }
        }
        int fresh = graph.Values.Count(v => v.Placement is not null && !(previous.TryGetValue(v, out var p) && p == v.Placement));
        context.Record("Concat input written in place", fresh);
    }
}
