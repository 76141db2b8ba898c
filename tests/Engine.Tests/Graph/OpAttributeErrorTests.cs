using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Tensors;
using static EdgeAgent.Engine.Onnx.OnnxAttr;
using Tensor = EdgeAgent.Engine.Tensors.Tensor;

namespace EdgeAgent.Engine.Tests.Graph;

/// <summary>Malformed attributes and inputs are shape-inference errors that name the node and the problem, never crashes.</summary>
public sealed class OpAttributeErrorTests
{
    /// <summary>A one-node model: graph input x (float32 unless given) of <paramref name="shape"/>, node y.</summary>
    private sealed record ErrorCase(string Expected, int[] Shape, Action<OnnxModelBuilder> Build, int Opset = 18,
        DataType Type = DataType.Float32);

    private static readonly Dictionary<string, ErrorCase> Cases = new()
    {
        ["Gelu approximate"] = new("approximate must be 'none' or 'tanh', not 'fast'", [2, 3],
            b => b.Op("Gelu", "y", ["x"], String("approximate", "fast")), Opset: 20),
        ["Mod of floats without fmod"] = new("Mod of float tensors needs fmod=1", [2, 3], b => b.Op("Mod", "y", ["x", "x"])),
        ["Mod fmod 2"] = new("fmod must be 0 or 1, not 2", [2, 3], b => b.Op("Mod", "y", ["x", "x"], Int("fmod", 2))),
        ["Sum of int64"] = new("Sum takes float tensors, not int64", [2, 3], b => b.Op("Sum", "y", ["x", "x"]), Type: DataType.Int64),
        ["IsNaN of int64"] = new("must be a float tensor, not int64", [2, 3], b => b.Op("IsNaN", "y", ["x"]), Type: DataType.Int64),
        ["PRelu slope of higher rank"] = new("slope 1x2x3 does not broadcast to the input 2x3", [2, 3],
            b => b.Op("PRelu", "y", ["x", b.Initializer("slope", new float[6], 1, 2, 3)])),
        ["ArgMax axis"] = new("axis 2 is out of range for rank 2", [2, 3], b => b.Op("ArgMax", "y", ["x"], Int("axis", 2))),
        ["ReduceL2 axes"] = new("axis -3 is out of range for rank 2", [2, 3], b => b.Op("ReduceL2", "y", ["x", b.Initializer("axes", new long[] { -3 }, 1)])),
        ["LogSoftmax axis"] = new("axis -4 is out of range for rank 3", [2, 3, 4], b => b.Op("LogSoftmax", "y", ["x"], Int("axis", -4))),
        ["LpNormalization p"] = new("p must be 1 or 2, not 3", [2, 3], b => b.Op("LpNormalization", "y", ["x"], Int("p", 3))),
        ["CumSum axis"] = new("axis 5 is out of range for rank 2", [2, 3],
            b => b.Op("CumSum", "y", ["x", b.Initializer("axis", Tensor.Scalar(5L))])),
        ["DepthToSpace mode"] = new("mode must be DCR or CRD, not 'RCD'", [1, 8, 2, 2],
            b => b.Op("DepthToSpace", "y", ["x"], Int("blocksize", 2), String("mode", "RCD"))),
        ["DepthToSpace without blocksize"] = new("the blocksize attribute is required", [1, 8, 2, 2], b => b.Op("DepthToSpace", "y", ["x"])),
        ["DepthToSpace channels"] = new("6 channels are not divisible by blocksize² 4", [1, 6, 2, 2],
            b => b.Op("DepthToSpace", "y", ["x"], Int("blocksize", 2))),
        ["SpaceToDepth height"] = new("dimension 2 of 1x3x5x4 is not divisible by blocksize 2", [1, 3, 5, 4],
            b => b.Op("SpaceToDepth", "y", ["x"], Int("blocksize", 2))),
        ["Tile repeats"] = new("2 repeats for a rank-3 input", [2, 3, 4], b => b.Op("Tile", "y", ["x", b.Initializer("r", new long[] { 2, 2 }, 2)])),
        ["Trilu rank"] = new("needs rank 2 or more", [5], b => b.Op("Trilu", "y", ["x"])),
        ["EyeLike rank"] = new("needs a 2-D input", [2, 3, 4], b => b.Op("EyeLike", "y", ["x"])),
        ["GatherND batch_dims"] = new("batch_dims 2 must be below the ranks", [2, 3, 4],
            b => b.Op("GatherND", "y", ["x", b.Initializer("i", new long[] { 0, 1 }, 2, 1)], Int("batch_dims", 2))),
        ["GatherND tuple length"] = new("index tuples of 4 elements do not fit data 2x3x4", [2, 3, 4],
            b => b.Op("GatherND", "y", ["x", b.Initializer("i", new long[] { 0, 1, 2, 3 }, 1, 4)])),
        ["GatherElements rank"] = new("must have the same rank", [2, 3], b => b.Op("GatherElements", "y", ["x", b.Initializer("i", new long[] { 0 }, 1)])),
        ["ScatterElements reduction"] = new("reduction must be none, add, mul, max or min, not 'mean'", [2, 3],
            b => b.Op("ScatterElements", "y", ["x", b.Initializer("i", new long[] { 0, 1 }, 1, 2), b.Initializer("u", new float[2], 1, 2)],
                String("reduction", "mean"))),
        ["ScatterND updates"] = new("updates 3 must have shape 2x3", [4, 3],
            b => b.Op("ScatterND", "y", ["x", b.Initializer("i", new long[] { 0, 1 }, 2, 1), b.Initializer("u", new float[3], 3)])),
        ["OneHot values"] = new("values must hold two elements (off, on)", [2, 3],
            b => b.Op("OneHot", "y", ["x", b.Initializer("depth", Tensor.Scalar(4L)), b.Initializer("v", new float[3], 3)]), Type: DataType.Int64),
        ["TopK K"] = new("K 9 is out of range for axis 1 of size 3", [2, 3],
            b => b.Node("TopK", "y", ["x", b.Initializer("k", new long[] { 9 }, 1)], ["y", "i"])),
        ["GroupNormalization groups"] = new("6 channels are not divisible into 4 groups", [1, 6, 2, 2],
            b => b.Op("GroupNormalization", "y", ["x", b.Initializer("s", new float[4], 4), b.Initializer("b", new float[4], 4)], Int("num_groups", 4))),
        ["GroupNormalization without num_groups"] = new("the num_groups attribute is required", [1, 6, 2, 2],
            b => b.Op("GroupNormalization", "y", ["x", b.Initializer("s", new float[6], 6), b.Initializer("b", new float[6], 6)]), Opset: 21),
        ["GroupNormalization opset 21 scale"] = new("scale 3 must hold 6 values", [1, 6, 2, 2],
            b => b.Op("GroupNormalization", "y", ["x", b.Initializer("s", new float[3], 3), b.Initializer("b", new float[3], 3)], Int("num_groups", 3)), Opset: 21),
        ["MeanVarianceNormalization axes"] = new("axes [0,2,-2] repeat", [2, 3, 4, 5],
            b => b.Op("MeanVarianceNormalization", "y", ["x"], Ints("axes", 0, 2, -2))),
        ["Range delta"] = new("delta cannot be 0", [1],
            b => b.Op("Range", "y", [b.Initializer("s", Tensor.Scalar(1f)), b.Initializer("l", Tensor.Scalar(4f)), b.Initializer("d", Tensor.Scalar(0f))])),
    };

    public static TheoryData<string> Names() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void IsAClearError(string name)
    {
        var c = Cases[name];
        var b = new OnnxModelBuilder(name.Replace(' ', '_'), c.Opset).Input("x", c.Type, c.Shape.Select(d => (OnnxDim)d).ToArray())
            .Output("y", DataType.Float32);
        c.Build(b);
        var model = OnnxImporter.FromProto(b.Build(), null, "test");
        var e = Assert.Throws<ShapeInferenceException>(() => ShapeInference.Run(model, null, new ReferenceConstantEvaluator()));
        Assert.Contains("node 'y'", e.Message);
        Assert.Contains(c.Expected, e.Message);
    }
}
