using static EdgeAgent.Engine.Onnx.OnnxAttr;

namespace EdgeAgent.Engine.Tests.Reference;

/// <summary>Conv, ConvTranspose, BatchNormalization and the pools against ONNX Runtime, one model per case.</summary>
public sealed class ConvConformanceTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names => ConformanceRunner.Names(Cases);

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesOrt(string name) => ConformanceRunner.Check(Cases, name, output);

    private static readonly ConformanceCase[] Cases =
    [
        new("Conv 2-D with and without bias", 17, b =>
        {
            var x = b.Input("x", 2, 3, 8, 9);
            b.Out("Conv", [x, b.Weight("w", 4, 3, 3, 3), b.Weight("bias", 4)]);
            b.Out("Conv", [x, b.Weight("w1", 5, 3, 1, 1)]);
            b.Out("Conv", [x, b.Weight("w2", 4, 3, 3, 2)], Ints("pads", 1, 1, 1, 1));
        }),
        new("Conv strides, dilations, asymmetric pads", 17, b =>
        {
            var x = b.Input("x", 1, 3, 11, 10);
            b.Out("Conv", [x, b.Weight("w", 5, 3, 3, 2), b.Weight("bias", 5)],
                Ints("strides", 2, 3), Ints("dilations", 2, 1), Ints("pads", 1, 0, 2, 1));
            b.Out("Conv", [x, b.Weight("w2", 2, 3, 2, 3)], Ints("kernel_shape", 2, 3), Ints("strides", 3, 2), Ints("pads", 0, 2, 1, 0));
        }),
        new("Conv groups and depthwise", 17, b =>
        {
            var x = b.Input("x", 1, 4, 7, 8);
            b.Out("Conv", [x, b.Weight("w_g2", 6, 2, 3, 3), b.Weight("b_g2", 6)], Int("group", 2), Ints("pads", 1, 1, 1, 1));
            b.Out("Conv", [x, b.Weight("w_dw", 4, 1, 3, 3), b.Weight("b_dw", 4)], Int("group", 4), Ints("strides", 2, 2));
            b.Out("Conv", [x, b.Weight("w_dw2", 8, 1, 3, 3)], Int("group", 4), Ints("dilations", 2, 2), Ints("pads", 2, 2, 2, 2));
        }),
        new("Conv auto_pad SAME_UPPER, SAME_LOWER, VALID", 17, b =>
        {
            var x = b.Input("x", 1, 2, 8, 7);
            var w = b.Weight("w", 3, 2, 4, 3);
            b.Out("Conv", [x, w], String("auto_pad", "SAME_UPPER"), Ints("strides", 2, 2));
            b.Out("Conv", [x, w], String("auto_pad", "SAME_LOWER"), Ints("strides", 2, 2));
            b.Out("Conv", [x, w], String("auto_pad", "SAME_UPPER"));
            // ORT rejects dilations together with SAME_* ("Dilation not supported for AutoPadType::SAME_UPPER").
            b.Out("Conv", [x, w], String("auto_pad", "VALID"), Ints("strides", 2, 1));
        }),
        new("Conv 1-D", 17, b =>
        {
            var x = b.Input("x", 2, 4, 15);
            b.Out("Conv", [x, b.Weight("w", 3, 4, 5), b.Weight("bias", 3)], Ints("strides", 2), Ints("dilations", 2), Ints("pads", 1, 3));
            b.Out("Conv", [x, b.Weight("w_g", 4, 2, 4)], Int("group", 2), String("auto_pad", "SAME_LOWER"));
        }),
        new("ConvTranspose 2-D with bias", 17, b =>
        {
            var x = b.Input("x", 2, 3, 5, 4);
            b.Out("ConvTranspose", [x, b.Weight("w", 3, 2, 3, 3), b.Weight("bias", 2)]);
            b.Out("ConvTranspose", [x, b.Weight("w2", 3, 4, 2, 3)], Ints("pads", 1, 0, 0, 1));
        }),
        new("ConvTranspose strides, pads, output_padding, dilations", 17, b =>
        {
            var x = b.Input("x", 1, 2, 5, 4);
            var w = b.Weight("w", 2, 3, 3, 3);
            b.Out("ConvTranspose", [x, w], Ints("strides", 2, 2));
            b.Out("ConvTranspose", [x, w, b.Weight("bias", 3)], Ints("strides", 2, 3), Ints("pads", 1, 0, 1, 2), Ints("output_padding", 1, 2));
            b.Out("ConvTranspose", [x, w], Ints("strides", 2, 1), Ints("dilations", 2, 2), Ints("pads", 1, 1, 0, 0));
        }),
        new("ConvTranspose groups", 17, b =>
        {
            var x = b.Input("x", 1, 4, 5, 5);
            b.Out("ConvTranspose", [x, b.Weight("w", 4, 3, 3, 3), b.Weight("bias", 6)], Int("group", 2), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1));
            b.Out("ConvTranspose", [x, b.Weight("w_dw", 4, 1, 4, 4)], Int("group", 4), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1));
        }),
        new("ConvTranspose output_shape and auto_pad", 17, b =>
        {
            var x = b.Input("x", 1, 2, 5, 4);
            var w = b.Weight("w", 2, 3, 3, 3);
            b.Out("ConvTranspose", [x, w], Ints("strides", 2, 2), Ints("output_shape", 10, 8), String("auto_pad", "SAME_UPPER"));
            b.Out("ConvTranspose", [x, w], Ints("strides", 2, 2), Ints("output_shape", 10, 9), String("auto_pad", "SAME_LOWER"));
            b.Out("ConvTranspose", [x, w], Ints("strides", 2, 2), String("auto_pad", "SAME_UPPER"));
            b.Out("ConvTranspose", [x, w], Ints("strides", 2, 2), Ints("output_shape", 10, 9));
            b.Out("ConvTranspose", [x, w], Ints("strides", 3, 2), Ints("output_shape", 14, 8));
        }),
        new("ConvTranspose 1-D", 17, b =>
        {
            var x = b.Input("x", 2, 3, 7);
            b.Out("ConvTranspose", [x, b.Weight("w", 3, 2, 4), b.Weight("bias", 2)], Ints("strides", 3), Ints("pads", 1, 2), Ints("output_padding", 1));
        }),
        new("BatchNormalization 4-D and 2-D", 15, b =>
        {
            var x = b.Input("x", 2, 3, 4, 5);
            b.Out("BatchNormalization", [x, b.Weight("scale", 3), b.Weight("bias", 3), b.Weight("mean", 3), b.PositiveWeight("var", 3)],
                Float("epsilon", 1e-3f));
            var y = b.Input("y", 4, 6);
            b.Out("BatchNormalization", [y, b.Weight("scale2", 6), b.Weight("bias2", 6), b.Weight("mean2", 6), b.PositiveWeight("var2", 6)]);
        }),
        new("BatchNormalization opset 9", 9, b =>
        {
            var x = b.Input("x", 1, 3, 5, 5);
            b.Out("BatchNormalization", [x, b.Weight("scale", 3), b.Weight("bias", 3), b.Weight("mean", 3), b.PositiveWeight("var", 3)]);
        }),
        new("MaxPool kernel, strides, pads, asymmetric pads", 17, b =>
        {
            var x = b.Input("x", 2, 3, 9, 10);
            b.Out("MaxPool", [x], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1));
            b.Out("MaxPool", [x], Ints("kernel_shape", 2, 3), Ints("strides", 1, 2), Ints("pads", 0, 1, 1, 0));
            b.Out("MaxPool", [x], Ints("kernel_shape", 5, 5), Ints("pads", 2, 2, 2, 2));
        }),
        new("MaxPool ceil_mode, dilations, auto_pad", 17, b =>
        {
            var x = b.Input("x", 1, 2, 8, 9);
            b.Out("MaxPool", [x], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Int("ceil_mode", 1));
            b.Out("MaxPool", [x], Ints("kernel_shape", 3, 2), Ints("strides", 2, 2), Ints("pads", 1, 0, 1, 0), Int("ceil_mode", 1));
            b.Out("MaxPool", [x], Ints("kernel_shape", 2, 2), Ints("dilations", 2, 3));
            b.Out("MaxPool", [x], Ints("kernel_shape", 3, 3), Ints("dilations", 2, 2), Ints("strides", 2, 2), Int("ceil_mode", 1));
            b.Out("MaxPool", [x], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), String("auto_pad", "SAME_UPPER"));
            b.Out("MaxPool", [x], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), String("auto_pad", "SAME_LOWER"));
            b.Out("MaxPool", [x], Ints("kernel_shape", 3, 3), String("auto_pad", "VALID"));
        }),
        new("MaxPool 1-D", 17, b =>
        {
            var x = b.Input("x", 2, 3, 11);
            b.Out("MaxPool", [x], Ints("kernel_shape", 3), Ints("strides", 2), Ints("pads", 1, 1));
            b.Out("MaxPool", [x], Ints("kernel_shape", 2), Ints("strides", 2), Int("ceil_mode", 1));
        }),
        new("AveragePool pads, count_include_pad", 17, b =>
        {
            var x = b.Input("x", 2, 3, 9, 10);
            b.Out("AveragePool", [x], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1));
            b.Out("AveragePool", [x], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1), Int("count_include_pad", 1));
            b.Out("AveragePool", [x], Ints("kernel_shape", 2, 3), Ints("pads", 0, 1, 1, 2), Int("count_include_pad", 1));
            b.Out("AveragePool", [x], Ints("kernel_shape", 2, 3), Ints("pads", 0, 1, 1, 2));
            b.Out("AveragePool", [x], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2));
        }),
        new("AveragePool ceil_mode and auto_pad", 17, b =>
        {
            var x = b.Input("x", 1, 2, 8, 9);
            b.Out("AveragePool", [x], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Int("ceil_mode", 1));
            b.Out("AveragePool", [x], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1), Int("ceil_mode", 1));
            b.Out("AveragePool", [x], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1), Int("ceil_mode", 1), Int("count_include_pad", 1));
            b.Out("AveragePool", [x], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), String("auto_pad", "SAME_UPPER"));
            b.Out("AveragePool", [x], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), String("auto_pad", "SAME_LOWER"), Int("count_include_pad", 1));
        }),
        new("AveragePool 1-D", 17, b =>
        {
            var x = b.Input("x", 2, 3, 11);
            b.Out("AveragePool", [x], Ints("kernel_shape", 4), Ints("strides", 3), Ints("pads", 2, 1));
            b.Out("AveragePool", [x], Ints("kernel_shape", 4), Ints("strides", 3), Ints("pads", 2, 1), Int("count_include_pad", 1));
        }),
        new("GlobalAveragePool and GlobalMaxPool", 17, b =>
        {
            var x = b.Input("x", 2, 3, 5, 6);
            b.Out("GlobalAveragePool", [x]);
            b.Out("GlobalMaxPool", [x]);
            var y = b.Input("y", 2, 4, 7);
            b.Out("GlobalAveragePool", [y]);
            b.Out("GlobalMaxPool", [y]);
        }),
    ];
}
