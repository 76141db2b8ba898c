using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Graph.Ops;

/// <summary>Shape rules of InstanceNormalization, GroupNormalization, MeanVarianceNormalization and LRN: same shape, checked parameters.</summary>
internal static class NormalizationShapes
{
    public static void InstanceNormalization(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (x is not null && x.Rank < 3) throw ctx.Error($"needs an N x C x spatial input, got {x}");
        if (x is not null) { CheckLength(ctx, 1, "scale", x[1]); CheckLength(ctx, 2, "bias", x[1]); }
        ctx.SetOutput(0, ctx.InputType(0), x);
    }

    /// <summary>GroupNormalization: num_groups divides the channels; scale and bias have one value per channel (per group before opset 21).</summary>
    public static void GroupNormalization(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (!ctx.Node.HasAttribute("num_groups")) throw ctx.Error("the num_groups attribute is required");
        long groups = ctx.Node.GetInt("num_groups", 0);
        if (groups < 1) throw ctx.Error($"num_groups must be positive, not {groups}");
        if (x is not null)
        {
            if (x.Rank < 3) throw ctx.Error($"needs an N x C x spatial input, got {x}");
            if (x[1].IsKnown && x[1].Value % groups != 0) throw ctx.Error($"{x[1]} channels are not divisible into {groups} groups");
            var perValue = ctx.Node.GetInt(OpsetNormalizer.LegacyGroupAffineAttribute, 0) != 0 ? Dim.Known(groups) : x[1];
            CheckLength(ctx, 1, "scale", perValue);
            CheckLength(ctx, 2, "bias", perValue);
        }
        ctx.SetOutput(0, ctx.InputType(0), x);
    }

    public static void MeanVarianceNormalization(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (x is not null)
        {
            var axes = ctx.Node.GetInts("axes") ?? [0, 2, 3];
            var normalized = axes.Select(a => ctx.NormalizeAxis(a, x.Rank)).ToList();
            if (normalized.Distinct().Count() != normalized.Count) throw ctx.Error($"axes [{string.Join(",", axes)}] repeat");
        }
        ctx.SetOutput(0, ctx.InputType(0), x);
    }

    /// <summary>LRN: same shape; size (required) is a positive window of channels.</summary>
    public static void LRN(ShapeContext ctx)
    {
        var x = ctx.RequireInputShape(0);
        if (!ctx.Node.HasAttribute("size")) throw ctx.Error("the size attribute is required");
        if (ctx.Node.GetInt("size", 0) is var size && size < 1) throw ctx.Error($"size must be positive, not {size}");
        if (x is not null && x.Rank < 3) throw ctx.Error($"needs an N x C x spatial input, got {x}");
        ctx.SetOutput(0, ctx.InputType(0), x);
    }

    private static void CheckLength(ShapeContext ctx, int input, string name, Dim expected)
    {
        if (!ctx.HasInput(input)) throw ctx.Error($"input {input} ({name}) is required");
        if (ctx.InputShape(input) is { } s && s.ElementCount is long n && expected.IsKnown && n != expected.Value)
            throw ctx.Error($"{name} {s} must hold {expected} values");
    }
}
