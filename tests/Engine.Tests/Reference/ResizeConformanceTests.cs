using EdgeAgent.Engine.Onnx.Proto;
using static EdgeAgent.Engine.Onnx.OnnxAttr;
using Tensor = EdgeAgent.Engine.Tensors.Tensor;

namespace EdgeAgent.Engine.Tests.Reference;

/// <summary>Resize (every nearest_mode and coordinate mode, linear, scales and sizes) and the legacy Upsample against ONNX Runtime.</summary>
public sealed class ResizeConformanceTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names => ConformanceRunner.Names(Cases);

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesOrt(string name) => ConformanceRunner.Check(Cases, name, output);

    private static readonly string[] NearestModes = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"];

    private static readonly ConformanceCase[] Cases =
    [
        .. new[] { "half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel", "tf_half_pixel_for_nn" }.Select(coordinates =>
            new ConformanceCase($"Resize nearest {coordinates}", 13, b =>
            {
                var x = b.Input("x", 1, 2, 5, 7);
                // Upsampling by 2 and by fractions, and downsampling: every nearest_mode rounds a different set of ties.
                // The scales are exact in binary. ORT computes source coordinates in float32, so with a scale
                // such as 2.3f an exact tie (x.5, rounded by nearest_mode) can come out a rounding error off:
                // 11.5f / 2.3f is 5.0 in float32, but 5.0000001 in exact arithmetic on the float32 scale the
                // spec says to use, so ORT rounds pixel 11 down where the spec rounds it up.
                var up = b.Floats("up", 1, 1, 2, 2.25f);
                var down = b.Floats("down", 1, 1, 0.75f, 0.5f);
                foreach (var nearest in NearestModes)
                {
                    AttributeProto[] attributes = [String("mode", "nearest"), String("coordinate_transformation_mode", coordinates), String("nearest_mode", nearest)];
                    b.Out("Resize", [x, "", up], attributes);
                    b.Out("Resize", [x, "", down], attributes);
                }
            })),
        .. new[] { "half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel" }.Select(coordinates =>
            new ConformanceCase($"Resize linear {coordinates}", 13, b =>
            {
                var x = b.Input("x", 1, 2, 5, 6);
                AttributeProto[] attributes = [String("mode", "linear"), String("coordinate_transformation_mode", coordinates)];
                b.Out("Resize", [x, "", b.Floats("up2", 1, 1, 2, 2)], attributes);
                b.Out("Resize", [x, "", b.Floats("up_fraction", 1, 1, 1.5f, 2.5f)], attributes);
                b.Out("Resize", [x, "", b.Floats("down", 1, 1, 0.6f, 0.5f)], attributes);
                b.Out("Resize", [x, "", "", b.Longs("sizes_up", 1, 2, 9, 13)], attributes);
                b.Out("Resize", [x, "", "", b.Longs("sizes_down", 1, 2, 4, 1)], attributes);
                b.Out("Resize", [b.Input("x3", 2, 3, 7), "", "", b.Longs("sizes_1d", 2, 3, 11)], attributes);
            })),
        new("Resize nearest with sizes", 13, b =>
        {
            var x = b.Input("x", 1, 2, 5, 7);
            b.Out("Resize", [x, "", "", b.Longs("sizes_up", 1, 2, 11, 16)], String("mode", "nearest"));
            b.Out("Resize", [x, "", "", b.Longs("sizes_down", 1, 2, 3, 4)], String("mode", "nearest"),
                String("coordinate_transformation_mode", "asymmetric"), String("nearest_mode", "floor"));
            b.Out("Resize", [x, "", "", b.Longs("sizes_mixed", 1, 2, 10, 3)], String("mode", "nearest"),
                String("coordinate_transformation_mode", "align_corners"), String("nearest_mode", "round_prefer_ceil"));
        }),
        new("Resize opset 11 with roi, empty scales and sizes", 11, b =>
        {
            var x = b.Input("x", 1, 2, 4, 5);
            var roi = b.Model.Initializer("roi", Tensor.FromFloats([], 0));
            var noScales = b.Model.Initializer("no_scales", Tensor.FromFloats([], 0));
            b.Out("Resize", [x, roi, b.Floats("scales", 1, 1, 2, 2)], String("mode", "nearest"));
            b.Out("Resize", [x, roi, noScales, b.Longs("sizes", 1, 2, 7, 3)], String("mode", "linear"));
        }),
        new("Resize opset 10 scales", 10, b =>
        {
            var x = b.Input("x", 1, 2, 4, 5);
            b.Out("Resize", [x, b.Floats("up", 1, 1, 2, 3)]);
            b.Out("Resize", [x, b.Floats("up_linear", 1, 1, 2, 1.5f)], String("mode", "linear"));
            b.Out("Resize", [x, b.Floats("down", 1, 1, 0.5f, 0.6f)]);
            b.Out("Resize", [x, b.Floats("down_linear", 1, 1, 0.5f, 0.6f)], String("mode", "linear"));
        }),
        new("Upsample opset 9 nearest and bilinear", 9, b =>
        {
            var x = b.Input("x", 1, 2, 4, 5);
            b.Out("Upsample", [x, b.Floats("scales", 1, 1, 2, 2)]);
            b.Out("Upsample", [x, b.Floats("scales3", 1, 1, 3, 2)], String("mode", "nearest"));
            b.Out("Upsample", [x, b.Floats("scales_linear", 1, 1, 2, 2)], String("mode", "linear"));
            b.Out("Upsample", [x, b.Model.Op("Constant", [], Tensor("value", Tensor.FromFloats([1, 1, 2, 1], 4)))]);
        }),
        new("Upsample opset 7 scales attribute", 7, b =>
        {
            var x = b.Input("x", 1, 2, 4, 5);
            b.Out("Upsample", [x], Floats("scales", 1, 1, 2, 2));
            // Opset 7 says "linear"; ORT rejects opset 1's "bilinear", which our importer also accepts.
            b.Out("Upsample", [x], Floats("scales", 1, 1, 2, 3), String("mode", "linear"));
        }),
    ];
}
