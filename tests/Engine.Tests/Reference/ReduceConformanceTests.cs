using EdgeAgent.Engine.Tensors;
using static EdgeAgent.Engine.Onnx.OnnxAttr;
using Tensor = EdgeAgent.Engine.Tensors.Tensor;

namespace EdgeAgent.Engine.Tests.Reference;

/// <summary>The Reduce* family, ArgMax/ArgMin, CumSum, LogSoftmax, Hardmax and LpNormalization against ONNX Runtime.</summary>
public sealed class ReduceConformanceTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names => ConformanceRunner.Names(Cases);

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesOrt(string name) => ConformanceRunner.Check(Cases, name, output);

    private static readonly string[] NewReductions =
        ["ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare"];

    private static readonly ConformanceCase[] Cases =
    [
        new("ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSum(Exp), ReduceSumSquare opset 18 inputs", 18, b =>
        {
            var x = b.Input("x", 2, 3, 4, 5);
            var axes = b.Longs("axes", 1, -1);
            var last = b.Longs("last", 3);
            foreach (var op in NewReductions)
            {
                b.Out(op, [x, axes]);
                b.Out(op, [x, last], Int("keepdims", 0));
                b.Out(op, [x]);
            }
            var positive = b.Positive("positive", 2, 3, 4);
            b.Out("ReduceLogSum", [positive, b.Longs("a0", 0)]);
            b.Out("ReduceLogSum", [positive], Int("keepdims", 0));
            b.Out("ReduceLogSumExp", [b.Uniform("large", 80, 100, 3, 6), b.Longs("a1", 1)]); // e^x overflows float32
        }),
        new("New reductions opset 13 attributes", 13, b =>
        {
            var x = b.Input("x", 2, 3, 4, 5);
            foreach (var op in NewReductions)
            {
                b.Out(op, [x], Ints("axes", 0, 2));
                b.Out(op, [x], Ints("axes", -2), Int("keepdims", 0));
            }
            b.Out("ReduceLogSum", [b.Positive("positive", 3, 4)], Ints("axes", 1));
        }),
        new("Reductions on int64, noop_with_empty_axes", 18, b =>
        {
            var i = b.IntInput("i", -5, 5, 3, 4);
            var axis = b.Longs("axis", 1);
            foreach (var op in new[] { "ReduceMin", "ReduceProd", "ReduceL1", "ReduceSumSquare" })
                b.OutOf(DataType.Int64, op, [i, axis], Int("keepdims", 0));
            var none = b.Model.Initializer("none", Tensor.FromLongs([], 0));
            var x = b.Input("x", 3, 4);
            b.Out("ReduceMin", [x, none], Int("noop_with_empty_axes", 1));
            b.Out("ReduceProd", [x, none], Int("noop_with_empty_axes", 1));
            b.Out("ReduceL2", [x, none]);
        }),
        new("ArgMax, ArgMin: axis, keepdims, select_last_index", 13, b =>
        {
            var x = b.Input("x", 3, 4, 5);
            var ties = b.WholeInput("ties", 0, 2, 3, 6); // repeated extremes
            foreach (var op in new[] { "ArgMax", "ArgMin" })
            {
                b.OutOf(DataType.Int64, op, [x]);
                b.OutOf(DataType.Int64, op, [x], Int("axis", -1), Int("keepdims", 0));
                b.OutOf(DataType.Int64, op, [x], Int("axis", 1));
                b.OutOf(DataType.Int64, op, [ties], Int("axis", 1));
                b.OutOf(DataType.Int64, op, [ties], Int("axis", 1), Int("select_last_index", 1));
                b.OutOf(DataType.Int64, op, [b.IntInput($"{op}_i", -3, 3, 4, 5)], Int("axis", 0), Int("select_last_index", 1), Int("keepdims", 0));
            }
        }),
        new("CumSum exclusive, reverse, negative axis, int64", 14, b =>
        {
            var x = b.Input("x", 3, 4, 5);
            var axis1 = b.Model.Initializer("axis1", Tensor.Scalar(1L));
            var minus1 = b.Model.Initializer("minus1", Tensor.FromInts([-1], 1));
            b.Out("CumSum", [x, axis1]);
            b.Out("CumSum", [x, axis1], Int("exclusive", 1));
            b.Out("CumSum", [x, axis1], Int("reverse", 1));
            b.Out("CumSum", [x, minus1], Int("exclusive", 1), Int("reverse", 1));
            b.OutOf(DataType.Int64, "CumSum", [b.IntInput("i", -9, 9, 4, 6), b.Model.Initializer("axis0", Tensor.Scalar(0L))], Int("reverse", 1));
        }),
        new("LogSoftmax, Hardmax axes opset 13", 13, b =>
        {
            var x = b.Uniform("x", -4, 4, 2, 3, 4);
            foreach (var op in new[] { "LogSoftmax", "Hardmax" })
            {
                b.Out(op, [x]);
                b.Out(op, [x], Int("axis", 0));
                b.Out(op, [x], Int("axis", -2));
            }
            b.Out("LogSoftmax", [b.Uniform("large", -100, 100, 3, 7)]);
            b.Out("Hardmax", [b.WholeInput("ties", 0, 1, 3, 5)]); // the first maximum wins
        }),
        new("LogSoftmax, Hardmax opset 11 flatten at axis", 11, b =>
        {
            var x = b.Uniform("x", -4, 4, 2, 3, 4);
            foreach (var op in new[] { "LogSoftmax", "Hardmax" })
            {
                b.Out(op, [x]);
                b.Out(op, [x], Int("axis", 0));
                b.Out(op, [x], Int("axis", 2));
                b.Out(op, [x], Int("axis", -2));
            }
        }),
        new("LpNormalization p 1 and 2, axes", 13, b =>
        {
            var x = b.Input("x", 2, 3, 4);
            b.Out("LpNormalization", [x]);
            b.Out("LpNormalization", [x], Int("p", 1));
            b.Out("LpNormalization", [x], Int("axis", 1));
            b.Out("LpNormalization", [x], Int("axis", 0), Int("p", 1));
        }),
    ];
}
