using static EdgeAgent.Engine.Onnx.OnnxAttr;

namespace EdgeAgent.Engine.Tests.Reference;

/// <summary>InstanceNormalization, GroupNormalization (opsets 18 and 21), MeanVarianceNormalization and LRN against ONNX Runtime.</summary>
public sealed class NormalizationConformanceTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names => ConformanceRunner.Names(Cases);

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesOrt(string name) => ConformanceRunner.Check(Cases, name, output);

    private static readonly ConformanceCase[] Cases =
    [
        new("InstanceNormalization 3-D and 4-D, MeanVarianceNormalization axes", 13, b =>
        {
            var x = b.Input("x", 2, 3, 4, 5);
            b.Out("InstanceNormalization", [x, b.Weight("scale", 3), b.Weight("bias", 3)]);
            b.Out("InstanceNormalization", [b.Input("seq", 2, 3, 7), b.Weight("scale2", 3), b.Weight("bias2", 3)], Float("epsilon", 1e-2f));
            b.Out("MeanVarianceNormalization", [x]);
            b.Out("MeanVarianceNormalization", [x], Ints("axes", 2, 3));
            b.Out("MeanVarianceNormalization", [x], Ints("axes", 1, -1));
        }),
        new("GroupNormalization opset 21, per-channel scale and bias", 21, b =>
        {
            var x = b.Input("x", 2, 6, 4, 5);
            b.Out("GroupNormalization", [x, b.Weight("scale", 6), b.Weight("bias", 6)], Int("num_groups", 3));
            b.Out("GroupNormalization", [x, b.Weight("scale1", 6), b.Weight("bias1", 6)], Int("num_groups", 1), Float("epsilon", 1e-3f));
            b.Out("GroupNormalization", [x, b.Weight("scale6", 6), b.Weight("bias6", 6)], Int("num_groups", 6));
            b.Out("GroupNormalization", [b.Input("seq", 2, 4, 9), b.Weight("scale2", 4), b.Weight("bias2", 4)], Int("num_groups", 2));
        }),
        new("GroupNormalization opset 18, per-group scale and bias", 18, b =>
        {
            var x = b.Input("x", 2, 6, 4, 5);
            b.Out("GroupNormalization", [x, b.Weight("scale", 3), b.Weight("bias", 3)], Int("num_groups", 3));
            b.Out("GroupNormalization", [x, b.Weight("scale2", 2), b.Weight("bias2", 2)], Int("num_groups", 2));
        }),
        new("LRN window sizes and parameters", 13, b =>
        {
            var x = b.Input("x", 2, 7, 3, 4);
            b.Out("LRN", [x], Int("size", 3));
            b.Out("LRN", [x], Int("size", 4), Float("alpha", 0.01f), Float("beta", 0.5f), Float("bias", 2));
            b.Out("LRN", [x], Int("size", 1));
            b.Out("LRN", [x], Int("size", 9), Float("alpha", 0.1f));
        }),
    ];
}
