using EdgeAgent.Engine.Tensors;
using static EdgeAgent.Engine.Onnx.OnnxAttr;
using Tensor = EdgeAgent.Engine.Tensors.Tensor;

namespace EdgeAgent.Engine.Tests.Reference;

/// <summary>Layout, indexing and source ops (Reshape, Slice, Gather, Pad, Shape, Constant...) against ONNX Runtime.</summary>
public sealed class LayoutConformanceTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names => ConformanceRunner.Names(Cases);

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesOrt(string name) => ConformanceRunner.Check(Cases, name, output);

    private static readonly ConformanceCase[] Cases =
    [
        new("Flatten axes", 13, b =>
        {
            var x = b.Input("x", 2, 3, 4, 5);
            b.Out("Flatten", [x]);
            b.Out("Flatten", [x], Int("axis", 0));
            b.Out("Flatten", [x], Int("axis", 3));
            b.Out("Flatten", [x], Int("axis", -2));
        }),
        new("Reshape with 0, -1 and allowzero", 14, b =>
        {
            var x = b.Input("x", 2, 3, 4, 5);
            b.Out("Reshape", [x, b.Longs("s1", 0, -1)]);
            b.Out("Reshape", [x, b.Longs("s2", -1)]);
            b.Out("Reshape", [x, b.Longs("s3", 0, 0, 20)]);
            b.Out("Reshape", [x, b.Longs("s4", 5, -1, 0)]);
            b.Out("Reshape", [x, b.Longs("s5", 6, 20)], Int("allowzero", 1));
            b.Out("Reshape", [b.Input("empty", 0, 3, 2), b.Longs("s6", 3, 0, 2)], Int("allowzero", 1));
        }),
        new("Reshape int64 data", 13, b =>
        {
            b.OutOf(DataType.Int64, "Reshape", [b.IntInput("i", -9, 9, 2, 6), b.Longs("shape", 3, -1, 2)]);
        }),
        new("Reshape from the exporters' Shape, Gather, Unsqueeze, Concat chain", 13, b =>
        {
            var x = b.Input("x", 2, 3, 4, 5);
            var batch = b.Model.Op("Gather", [b.Model.Op("Shape", [x]), b.Model.Initializer("zero", Tensor.Scalar(0L))]);
            var shape = b.Model.Op("Concat", [b.Model.Op("Unsqueeze", [batch, b.Longs("axis0", 0)]), b.Longs("rest", -1, 10)], Int("axis", 0));
            b.Out("Reshape", [x, shape]);
        }),
        new("Scalars: Reshape to and from rank 0, Shape of a scalar, ConstantOfShape of an empty shape", 13, b =>
        {
            var s = b.Input("s", []);
            b.Out("Reshape", [s, b.Longs("one", 1)]);
            b.Out("Reshape", [b.Input("v", 1), b.Model.Initializer("no_dims", Tensor.FromLongs([], 0))]);
            b.OutOf(DataType.Int64, "Shape", [s]);
            b.Out("ConstantOfShape", [b.Model.Initializer("empty_shape", Tensor.FromLongs([], 0))], Tensor("value", TensorOf([4], 1)));
        }),
        new("Transpose permutations", 13, b =>
        {
            var x = b.Input("x", 2, 3, 4, 5);
            b.Out("Transpose", [x], Ints("perm", 0, 2, 3, 1));
            b.Out("Transpose", [x]);
            b.Out("Transpose", [x], Ints("perm", 3, 1, 0, 2));
            b.OutOf(DataType.Int64, "Transpose", [b.IntInput("i", -9, 9, 2, 3)], Ints("perm", 1, 0));
        }),
        new("Squeeze and Unsqueeze opset 11 attributes", 11, b =>
        {
            var x = b.Input("x", 1, 3, 1, 5, 1);
            b.Out("Squeeze", [x], Ints("axes", 0));
            b.Out("Squeeze", [x], Ints("axes", -1, 2));
            b.Out("Squeeze", [x]);
            var y = b.Input("y", 3, 4);
            b.Out("Unsqueeze", [y], Ints("axes", 0, 3));
            b.Out("Unsqueeze", [y], Ints("axes", -1));
        }),
        new("Squeeze and Unsqueeze opset 13 inputs", 13, b =>
        {
            var x = b.Input("x", 1, 3, 1, 5, 1);
            b.Out("Squeeze", [x, b.Longs("a1", 0)]);
            b.Out("Squeeze", [x, b.Longs("a2", -1, 2)]);
            b.Out("Squeeze", [x]);
            var y = b.Input("y", 3, 4);
            b.Out("Unsqueeze", [y, b.Longs("a3", 0, 3)]);
            b.Out("Unsqueeze", [y, b.Longs("a4", 1, -1)]);
            b.Out("Unsqueeze", [y, b.Longs("unsorted", 3, 0)]);
            b.OutOf(DataType.Int64, "Unsqueeze", [b.IntInput("s", -9, 9), b.Longs("a5", 0)]);
        }),
        new("Concat axes", 13, b =>
        {
            b.Out("Concat", [b.Input("a", 2, 1, 4), b.Input("b", 2, 3, 4), b.Input("c", 2, 2, 4)], Int("axis", 1));
            b.Out("Concat", [b.Input("d", 2, 3), b.Input("e", 2, 1)], Int("axis", -1));
            b.OutOf(DataType.Int64, "Concat", [b.IntInput("i", -9, 9, 2), b.IntInput("j", -9, 9, 1), b.Longs("k", 7, 8), b.Model.Initializer("empty", Tensor.FromLongs([], 0))], Int("axis", 0));
        }),
        new("Split with sizes input and equal parts", 13, b =>
        {
            var x = b.Input("x", 2, 6, 5);
            Outputs(b, b.Model.Node("Split", "split_sizes", [x, b.Longs("sizes", 2, 3, 1)], ["s0", "s1", "s2"], Int("axis", 1)));
            Outputs(b, b.Model.Node("Split", "split_equal", [x], ["e0", "e1", "e2"], Int("axis", 1)));
            Outputs(b, b.Model.Node("Split", "split_last", [x, b.Longs("sizes2", 4, 1)], ["l0", "l1"], Int("axis", -1)));
        }),
        new("Split opset 11 attribute", 11, b =>
        {
            var x = b.Input("x", 2, 6, 5);
            Outputs(b, b.Model.Node("Split", "split_attr", [x], ["s0", "s1"], Int("axis", 2), Ints("split", 3, 2)));
            Outputs(b, b.Model.Node("Split", "split_equal", [x], ["e0", "e1"]));
        }),
        new("Split opset 18 num_outputs", 18, b =>
        {
            var x = b.Input("x", 7, 3);
            Outputs(b, b.Model.Node("Split", "split_uneven", [x], ["s0", "s1", "s2"], Int("num_outputs", 3)));
        }),
        new("Slice negative indices, steps, axes and clamping", 13, b =>
        {
            var x = b.Input("x", 4, 5, 6);
            b.Out("Slice", [x, b.Longs("st1", 1, 0), b.Longs("en1", 3, 5)]);
            b.Out("Slice", [x, b.Longs("st2", -4), b.Longs("en2", -1), b.Longs("ax2", 2)]);
            b.Out("Slice", [x, b.Longs("st3", -1, 4), b.Longs("en3", long.MinValue, -100), b.Longs("ax3", 1, -1), b.Longs("sp3", -1, -2)]);
            b.Out("Slice", [x, b.Longs("st4", -1000, 1), b.Longs("en4", 1000, long.MaxValue), b.Longs("ax4", 0, 2), b.Longs("sp4", 3, 2)]);
            b.Out("Slice", [x, b.Longs("st5", 10), b.Longs("en5", 0), b.Longs("ax5", 1), b.Longs("sp5", -2)]);
            b.Out("Slice", [x, b.Longs("st6", 3), b.Longs("en6", 1), b.Longs("ax6", 0)]);
            b.OutOf(DataType.Int64, "Slice", [b.IntInput("i", -9, 9, 6), b.Longs("st7", -2), b.Longs("en7", long.MaxValue)]);
        }),
        new("Slice opset 9 attributes", 9, b =>
        {
            var x = b.Input("x", 4, 5, 6);
            b.Out("Slice", [x], Ints("starts", 1, -3), Ints("ends", 3, 1000), Ints("axes", 0, 2));
            b.Out("Slice", [x], Ints("starts", 0, 0, 1), Ints("ends", -1, 2, -1));
        }),
        new("Gather negative indices, axis 1, scalar index", 13, b =>
        {
            var x = b.Input("x", 4, 5, 3);
            b.Out("Gather", [x, b.IntInput("idx", -4, 3, 2, 3)]);
            b.Out("Gather", [x, b.IntInput("idx1", -5, 4, 4)], Int("axis", 1));
            b.Out("Gather", [x, b.Model.Initializer("scalar", Tensor.Scalar(-1L))], Int("axis", -1));
            b.Out("Gather", [x, b.Feed("idx32", Tensor.FromInts([2, -3, 0], 3))], Int("axis", 2));
            b.OutOf(DataType.Int64, "Gather", [b.IntInput("shape", 1, 9, 4), b.Model.Initializer("zero", Tensor.Scalar(0L))]);
        }),
        new("Expand", 13, b =>
        {
            b.Out("Expand", [b.Input("a", 3, 1), b.Longs("s1", 2, 3, 4)]);
            b.Out("Expand", [b.Input("c", 1, 4), b.Longs("s2", 3, 1)]);
            b.Out("Expand", [b.Input("d", 2, 1, 5), b.Longs("s3", 1, 1)]);
            b.OutOf(DataType.Int64, "Expand", [b.IntInput("i", -9, 9, 1), b.Longs("s4", 2, 3)]);
        }),
        new("Pad constant, reflect, edge", 13, b =>
        {
            var x = b.Input("x", 1, 2, 4, 5);
            var pads = b.Longs("pads", 0, 0, 1, 2, 0, 0, 3, 1);
            b.Out("Pad", [x, pads]);
            b.Out("Pad", [x, pads, b.Scalar("value", 2.5f)]);
            b.Out("Pad", [x, pads], String("mode", "reflect"));
            b.Out("Pad", [x, pads], String("mode", "edge"));
            b.Out("Pad", [x, b.Longs("crop", 0, 1, -1, 0, 0, 0, 2, -2)]);
            b.OutOf(DataType.Int64, "Pad", [b.IntInput("i", -9, 9, 3), b.Longs("pads_i", 2, 1), b.Model.Initializer("value_i", Tensor.Scalar(7L))]);
        }),
        new("Pad opset 18 axes input", 18, b =>
        {
            var x = b.Input("x", 2, 3, 4);
            b.Out("Pad", [x, b.Longs("pads", 1, 2, 0, 3), "", b.Longs("axes", -1, 1)]);
            b.Out("Pad", [x, b.Longs("pads2", 2, 1), b.Scalar("value", 9), b.Longs("axes2", 2)], String("mode", "reflect"));
        }),
        new("Pad opset 11 inputs", 11, b =>
        {
            var x = b.Input("x", 2, 3, 4);
            b.Out("Pad", [x, b.Longs("pads", 1, 0, 2, 0, 2, 1), b.Scalar("value", -1)]);
            b.Out("Pad", [x, b.Longs("pads2", 0, 2, 3, 0, 1, 3)], String("mode", "reflect"));
        }),
        new("Pad opset 9 attributes", 9, b =>
        {
            var x = b.Input("x", 2, 3, 4);
            b.Out("Pad", [x], Ints("pads", 0, 1, 2, 0, 2, 1), Float("value", 1.5f));
            b.Out("Pad", [x], Ints("pads", 0, 1, 2, 0, 2, 1), String("mode", "edge"));
        }),
        new("Shape with start and end", 15, b =>
        {
            var x = b.Input("x", 2, 3, 4, 5);
            b.OutOf(DataType.Int64, "Shape", [x]);
            b.OutOf(DataType.Int64, "Shape", [x], Int("start", 1));
            b.OutOf(DataType.Int64, "Shape", [x], Int("end", -1));
            b.OutOf(DataType.Int64, "Shape", [x], Int("start", -2), Int("end", 3));
            b.OutOf(DataType.Int64, "Shape", [x], Int("start", -10), Int("end", 10));
        }),
        new("Constant value forms", 13, b =>
        {
            var x = b.Input("x", 2, 3);
            b.Out("Add", [x, b.Model.Op("Constant", "c_value", [], Tensor("value", TensorOf([0.5f, -1, 2], 3)))]);
            b.Out("Mul", [x, b.Model.Op("Constant", "c_float", [], Float("value_float", 3))]);
            b.Out("Sub", [x, b.Model.Op("Constant", "c_floats", [], Floats("value_floats", 1, 2, 3))]);
            b.OutOf(DataType.Int64, "Identity", [b.Model.Op("Constant", "c_ints", [], Ints("value_ints", 4, -5, 6))]);
            b.OutOf(DataType.Int64, "Identity", [b.Model.Op("Constant", "c_int", [], Int("value_int", -7))]);
        }),
        new("ConstantOfShape", 13, b =>
        {
            var x = b.Input("x", 2, 3, 4);
            b.Out("ConstantOfShape", [b.Longs("s1", 2, 3)]);
            b.Out("ConstantOfShape", [b.Longs("s2", 4)], Tensor("value", TensorOf([1.5f], 1)));
            b.OutOf(DataType.Int64, "ConstantOfShape", [b.Model.Op("Shape", [x])], Tensor("value", Tensor.FromLongs([7], 1)));
            b.Out("Add", [x, b.Model.Op("ConstantOfShape", [b.Longs("s3", 4)], Tensor("value", TensorOf([0.25f], 1)))]);
        }),
        new("Opset 21 forms", 21, b =>
        {
            var x = b.Input("x", 2, 3, 4);
            b.Out("Reshape", [b.Out("Transpose", [x], Ints("perm", 2, 0, 1)), b.Longs("shape", 4, -1)]);
            b.Out("Pad", [b.Out("Squeeze", [b.Out("Unsqueeze", [x, b.Longs("axes", 0)]), b.Longs("axes0", 0)]), b.Longs("pads", 0, 1, 0, 0, 1, 0)], String("mode", "edge"));
            b.OutOf(DataType.Int64, "Cast", [b.Out("Flatten", [x], Int("axis", 2))], Int("to", (long)DataType.Int64));
        }),
        new("Identity and Dropout", 13, b =>
        {
            var x = b.Input("x", 3, 4);
            b.Out("Identity", [x]);
            b.Out("Dropout", [x]);
            var outputs = b.Model.Node("Dropout", "dropout_mask", [x, b.Scalar("ratio", 0.5f)], ["y", "mask"]);
            b.Model.Output(outputs[0], DataType.Float32).Output(outputs[1], DataType.Bool);
        }),
        new("Dropout opset 7", 7, b =>
        {
            b.Out("Dropout", [b.Input("x", 3, 4)], Float("ratio", 0.3f));
        }),
    ];

    private static Tensor TensorOf(float[] values, params int[] shape) => Tensor.FromFloats(values, shape);

    private static void Outputs(CaseBuilder b, IReadOnlyList<string> values)
    {
        foreach (var v in values) b.Model.Output(v, DataType.Float32);
    }
}
