using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Tests.Graph;

public sealed class ShapeInferenceTests
{
    private static Model Import(OnnxModelBuilder b) => OnnxImporter.FromProto(b.Build(), null, "test");

    private static TensorShape Infer(OnnxModelBuilder b, string value, Dictionary<string, TensorShape>? inputs = null)
    {
        var model = Import(b);
        ShapeInference.Run(model, inputs, new ReferenceConstantEvaluator());
        return model.Graph.FindValue(value)!.Shape!;
    }

    [Fact]
    public void SymbolicDimsFlowThroughConvAndPooling()
    {
        var b = new OnnxModelBuilder("conv").Input("x", DataType.Float32, "N", 3, "H", "W").Output("p", DataType.Float32);
        b.Initializer("w", new float[8 * 3 * 9], 8, 3, 3, 3);
        b.Op("Conv", "c", ["x", "w"], OnnxAttr.Ints("strides", 2, 2), OnnxAttr.Ints("pads", 1, 1, 1, 1));
        b.Op("MaxPool", "p", ["c"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("strides", 2, 2));
        var c = Infer(b, "c");
        Assert.Equal("Nx8x(H-1)/2+1x(W-1)/2+1", c.ToString());
        var p = Infer(b, "p");
        Assert.Equal(Dim.Sym("N"), p[0]);
        Assert.True(p[2].IsSymbolic && p[2].Symbol!.Contains('H'));
        // The same graph with concrete input sizes gives the numbers a conv would produce.
        var concrete = Infer(b, "p", new() { ["x"] = TensorShape.Of(2, 3, 33, 64) });
        Assert.Equal(TensorShape.Of(2, 8, 8, 16), concrete);
    }

    [Fact]
    public void ShapeGatherConcatReshapeKeepsSymbols()
    {
        // The exporter idiom: reshape x [N,C,H,W] to [N, C*H*W] via Shape -> Gather -> Concat.
        var b = new OnnxModelBuilder("flatten").Input("x", DataType.Float32, "N", 4, 5, 6).Output("y", DataType.Float32);
        b.Op("Shape", "s", ["x"]);
        b.Initializer("zero", new long[] { 0 }, 1);
        b.Op("Gather", "n", ["s", "zero"], OnnxAttr.Int("axis", 0));
        b.Initializer("minus_one", new long[] { -1 }, 1);
        b.Op("Concat", "target", ["n", "minus_one"], OnnxAttr.Int("axis", 0));
        b.Op("Reshape", "y", ["x", "target"]);
        Assert.Equal("Nx120", Infer(b, "y").ToString());
    }

    [Fact]
    public void ReshapeCancelsSharedSymbolsWhenInferringMinusOne()
    {
        var b = new OnnxModelBuilder("heads").Input("x", DataType.Float32, "B", "T", 64).Output("y", DataType.Float32);
        b.Op("Shape", "s", ["x"]);
        b.Initializer("idx", new long[] { 0, 1 }, 2);
        b.Op("Gather", "bt", ["s", "idx"], OnnxAttr.Int("axis", 0));
        b.Initializer("tail", new long[] { 8, -1 }, 2);
        b.Op("Concat", "target", ["bt", "tail"], OnnxAttr.Int("axis", 0));
        b.Op("Reshape", "y", ["x", "target"]);
        Assert.Equal("BxTx8x8", Infer(b, "y").ToString());
    }

    [Fact]
    public void ArithmeticOnShapesIsTracked()
    {
        // Half the spatial size, computed from Shape with Div, feeds Resize's sizes input.
        var b = new OnnxModelBuilder("resize").Input("x", DataType.Float32, 1, 3, "H", "W").Output("y", DataType.Float32);
        b.Op("Shape", "s", ["x"]);
        b.Initializer("two", new long[] { 1, 1, 2, 2 }, 4);
        b.Op("Div", "half", ["s", "two"]);
        b.Op("Resize", "y", ["x", "", "", "half"], OnnxAttr.String("mode", "nearest"));
        Assert.Equal("1x3xH/2xW/2", Infer(b, "y").ToString());
        Assert.Equal(TensorShape.Of(1, 3, 10, 16), Infer(b, "y", new() { ["x"] = TensorShape.Of(1, 3, 20, 33) }));
    }

    [Fact]
    public void ConstantSubgraphsAreFolded()
    {
        var b = new OnnxModelBuilder("fold").Input("x", DataType.Float32, "A", "B").Output("y", DataType.Float32);
        b.Initializer("f", new float[] { 3.7f, 2.2f }, 2);
        b.Op("Cast", "dims", ["f"], OnnxAttr.Int("to", 7)); // float -> int64 truncates: [3, 2]
        b.Op("Reshape", "y", ["x", "dims"]);
        var model = Import(b);
        ShapeInference.Run(model, new Dictionary<string, TensorShape> { ["x"] = TensorShape.Of(2, 3) }, new ReferenceConstantEvaluator());
        Assert.Equal(new long[] { 3, 2 }, model.Graph.FindValue("dims")!.Constant!.Longs);
        Assert.Equal(TensorShape.Of(3, 2), model.Graph.FindValue("y")!.Shape);
        Assert.Throws<ShapeInferenceException>(() =>
        {
            var small = Import(b);
            ShapeInference.Run(small, new Dictionary<string, TensorShape> { ["x"] = TensorShape.Of(2, 5) }, new ReferenceConstantEvaluator());
        });
    }

    [Fact]
    public void InputShapeOverrideMustFitTheDeclaredShape()
    {
        var b = new OnnxModelBuilder("fit").Input("x", DataType.Float32, "N", 3, 8, 8).Output("y", DataType.Float32);
        b.Op("Relu", "y", ["x"]);
        var e = Assert.Throws<ShapeInferenceException>(() => Infer(b, "y", new() { ["x"] = TensorShape.Of(1, 4, 8, 8) }));
        Assert.Contains("dimension 1 must be 3", e.Message);
        e = Assert.Throws<ShapeInferenceException>(() => Infer(b, "y", new() { ["x"] = TensorShape.Of(1, 3, 8) }));
        Assert.Contains("rank 4", e.Message);
        e = Assert.Throws<ShapeInferenceException>(() => Infer(b, "y", new() { ["nope"] = TensorShape.Of(1) }));
        Assert.Contains("no input 'nope'", e.Message);
    }

    [Fact]
    public void BroadcastingAgainstASymbolKeepsTheSymbol()
    {
        var b = new OnnxModelBuilder("bc").Input("a", DataType.Float32, "N", 1, 5).Input("b", DataType.Float32, 7, 1).Output("y", DataType.Float32);
        b.Op("Add", "y", ["a", "b"]);
        Assert.Equal("Nx7x5", Infer(b, "y").ToString());
    }

    [Fact]
    public void DimArithmeticSimplifiesConstants()
    {
        var h = Dim.Sym("H");
        Assert.Equal("H", (h + -1 + 1).ToString());
        Assert.Equal("(H-1)/2+1", ((h - 1) / 2 + 1).ToString());
        Assert.Equal(Dim.Known(0), h - h);
        Assert.Equal(Dim.Known(-2), Dim.Known(-3) / 2); // floor division, as shape arithmetic uses
        Assert.Equal(h, h * 1);
        Assert.False(Dim.Unknown.IsKnown || Dim.Unknown.IsSymbolic);
        Assert.Equal(Dim.Unknown, h + Dim.Unknown);
    }
}
