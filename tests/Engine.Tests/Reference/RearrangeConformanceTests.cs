using EdgeAgent.Engine.Tensors;
using static EdgeAgent.Engine.Onnx.OnnxAttr;
using Tensor = EdgeAgent.Engine.Tensors.Tensor;

namespace EdgeAgent.Engine.Tests.Reference;

/// <summary>Tile, DepthToSpace, SpaceToDepth, Trilu, Range, EyeLike, Size, ReverseSequence and CenterCropPad against ONNX Runtime.</summary>
public sealed class RearrangeConformanceTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names => ConformanceRunner.Names(Cases);

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesOrt(string name) => ConformanceRunner.Check(Cases, name, output);

    private static readonly ConformanceCase[] Cases =
    [
        new("Tile, DepthToSpace DCR and CRD, SpaceToDepth", 13, b =>
        {
            var x = b.Input("x", 2, 3);
            b.Out("Tile", [x, b.Longs("r1", 2, 3)]);
            b.Out("Tile", [x, b.Longs("r2", 1, 1)]);
            b.Out("Tile", [b.Input("cube", 2, 1, 3), b.Longs("r3", 1, 4, 2)]);
            b.OutOf(DataType.Int64, "Tile", [b.IntInput("i", -9, 9, 3), b.Longs("r4", 3)]);
            var depth = b.Input("depth", 2, 8, 2, 3);
            b.Out("DepthToSpace", [depth], Int("blocksize", 2));
            b.Out("DepthToSpace", [depth], Int("blocksize", 2), String("mode", "CRD"));
            b.Out("DepthToSpace", [b.Input("nine", 1, 9, 2, 2)], Int("blocksize", 3), String("mode", "DCR"));
            b.Out("SpaceToDepth", [b.Input("space", 2, 3, 4, 6)], Int("blocksize", 2));
        }),
        new("Trilu upper and lower, k, batched, int64", 14, b =>
        {
            var x = b.Input("x", 2, 4, 5);
            b.Out("Trilu", [x]);
            b.Out("Trilu", [x, b.Model.Initializer("k1", Tensor.Scalar(1L))]);
            b.Out("Trilu", [x, b.Model.Initializer("k_minus2", Tensor.Scalar(-2L))]);
            b.Out("Trilu", [x], Int("upper", 0));
            b.Out("Trilu", [x, b.Model.Initializer("k2", Tensor.Scalar(2L))], Int("upper", 0));
            b.Out("Trilu", [x, b.Model.Initializer("k9", Tensor.Scalar(9L))], Int("upper", 0));
            b.OutOf(DataType.Int64, "Trilu", [b.IntInput("i", -9, 9, 5, 3), b.Model.Initializer("k_minus1", Tensor.Scalar(-1L))]);
        }),
        new("Range on float, int64 and int32; EyeLike; Size", 11, b =>
        {
            b.Out("Range", [b.Scalar("start", 1.5f), b.Scalar("limit", 7.2f), b.Scalar("delta", 0.7f)]);
            b.Out("Range", [b.Scalar("down", 3), b.Scalar("low", -2), b.Scalar("minus", -1.25f)]);
            b.OutOf(DataType.Int64, "Range", [b.Model.Initializer("s", Tensor.Scalar(-4L)), b.Model.Initializer("l", Tensor.Scalar(9L)),
                b.Model.Initializer("d", Tensor.Scalar(3L))]);
            b.OutOf(DataType.Int32, "Range", [b.Model.Initializer("s32", new Tensor(DataType.Int32, [], new[] { 10 })),
                b.Model.Initializer("l32", new Tensor(DataType.Int32, [], new[] { 0 })), b.Model.Initializer("d32", new Tensor(DataType.Int32, [], new[] { -4 }))]);
            var x = b.Input("x", 3, 4);
            b.Out("EyeLike", [x]);
            b.Out("EyeLike", [x], Int("k", 1));
            b.Out("EyeLike", [x], Int("k", -2));
            b.OutOf(DataType.Int64, "EyeLike", [x], Int("dtype", (long)DataType.Int64));
            b.OutOf(DataType.Int32, "EyeLike", [b.Feed("ints", Tensor.FromInts([1, 2, 3, 4, 5, 6], 3, 2))]);
            b.OutOf(DataType.Int64, "Size", [b.Input("cube", 2, 3, 4)]);
        }),
        new("ReverseSequence time-major and batch-major, CenterCropPad", 18, b =>
        {
            var x = b.Input("x", 4, 3, 2);
            b.Out("ReverseSequence", [x, b.Longs("lens", 4, 1, 2)]);
            b.Out("ReverseSequence", [b.Input("y", 3, 5, 2), b.Longs("lens2", 0, 5, 3)], Int("batch_axis", 0), Int("time_axis", 1));
            b.OutOf(DataType.Int64, "ReverseSequence", [b.IntInput("i", -9, 9, 2, 4), b.Longs("lens3", 3, 4)], Int("batch_axis", 0), Int("time_axis", 1));
            var image = b.Input("image", 2, 5, 6);
            b.Out("CenterCropPad", [image, b.Longs("crop", 1, 3, 4)]);
            b.Out("CenterCropPad", [image, b.Longs("pad", 3, 8, 9)]);
            b.Out("CenterCropPad", [image, b.Longs("mixed", 2, 10)], Ints("axes", 1, -1));
            b.Out("CenterCropPad", [image, b.Longs("odd", 4)], Ints("axes", 2));
        }),
    ];
}
