using EdgeAgent.Engine.Tensors;
using static EdgeAgent.Engine.Onnx.OnnxAttr;
using Tensor = EdgeAgent.Engine.Tensors.Tensor;

namespace EdgeAgent.Engine.Tests.Reference;

/// <summary>Element-wise math and activations of one input (and PRelu's slope) against ONNX Runtime.</summary>
public sealed class UnaryConformanceTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names => ConformanceRunner.Names(Cases);

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesOrt(string name) => ConformanceRunner.Check(Cases, name, output);

    private static readonly ConformanceCase[] Cases =
    [
        new("Sign, Round, Sin, Cos, Tan, Atan, Sinh, Cosh, Asinh", 17, b =>
        {
            var x = b.Uniform("x", -3, 3, 3, 4, 5);
            b.Out("Sign", [x]);
            b.Out("Sign", [b.WholeInput("whole", -1, 1, 12)]); // zeros included
            b.OutOf(DataType.Int64, "Sign", [b.IntInput("i", -3, 3, 12)]);
            b.Out("Round", [x]);
            b.Out("Round", [b.FeedFloats("halves", [-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.5f, -3.49f, 0.51f, 2.4999f], 10)]); // ties to even
            b.Out("Sin", [x]);
            b.Out("Cos", [x]);
            b.Out("Tan", [b.Uniform("t", -1.4f, 1.4f, 3, 4, 5)]);
            b.Out("Atan", [x]);
            b.Out("Sinh", [x]);
            b.Out("Cosh", [x]);
            b.Out("Asinh", [x]);
        }),
        new("Asin, Acos, Atanh inside (-1, 1), Acosh above 1", 17, b =>
        {
            var x = b.Uniform("x", -0.99f, 0.99f, 3, 4, 5);
            b.Out("Asin", [x]);
            b.Out("Acos", [x]);
            b.Out("Atanh", [x]);
            b.Out("Acosh", [b.Uniform("y", 1.01f, 5, 3, 4, 5)]);
        }),
        new("Elu, Selu, Celu, Softplus, Softsign, Mish", 18, b =>
        {
            var x = b.Uniform("x", -5, 5, 3, 4, 5);
            b.Out("Elu", [x]);
            b.Out("Elu", [x], Float("alpha", 0.3f));
            b.Out("Selu", [x]);
            b.Out("Selu", [x], Float("alpha", 2), Float("gamma", 0.5f));
            b.Out("Celu", [x]);
            b.Out("Celu", [x], Float("alpha", 2.5f));
            b.Out("Softplus", [x]);
            b.Out("Softplus", [b.Uniform("large", -60, 60, 40)]); // e^x overflows float32 above 88
            b.Out("Softsign", [x]);
            b.Out("Mish", [x]);
        }),
        new("Shrink, ThresholdedRelu, Gelu opset 20", 20, b =>
        {
            var x = b.Uniform("x", -4, 4, 3, 4, 5);
            b.Out("Shrink", [x]);
            b.Out("Shrink", [x], Float("lambd", 1.5f), Float("bias", 0.25f));
            b.Out("ThresholdedRelu", [x]);
            b.Out("ThresholdedRelu", [x], Float("alpha", -0.5f));
            b.Out("Gelu", [x]);
            b.Out("Gelu", [x], String("approximate", "none"));
            b.Out("Gelu", [x], String("approximate", "tanh"));
        }),
        new("IsNaN, IsInf with detect_negative and detect_positive", 20, b =>
        {
            var x = b.FeedFloats("x", [1, float.NaN, float.PositiveInfinity, -2, float.NegativeInfinity, 0, float.NaN, 3.5f], 2, 4);
            b.OutOf(DataType.Bool, "IsNaN", [x]);
            b.OutOf(DataType.Bool, "IsInf", [x]);
            b.OutOf(DataType.Bool, "IsInf", [x], Int("detect_negative", 0));
            b.OutOf(DataType.Bool, "IsInf", [x], Int("detect_positive", 0));
        }),
        new("PRelu with per-channel, trailing, scalar and full slopes", 16, b =>
        {
            var x = b.Input("x", 2, 3, 4, 5);
            b.Out("PRelu", [x, b.Weight("channel", 3, 1, 1)]);
            b.Out("PRelu", [x, b.Weight("trailing", 5)]);
            b.Out("PRelu", [x, b.Weight("single", 1)]);
            b.Out("PRelu", [x, b.Input("full", 2, 3, 4, 5)]);
        }),
    ];
}
