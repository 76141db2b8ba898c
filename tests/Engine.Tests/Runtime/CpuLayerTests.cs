using EdgeAgent.Engine.Backends.Cpu;
using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Oracle;

namespace EdgeAgent.Engine.Tests.Runtime;

/// <summary>Each CPU layer on single-op graphs against the reference executor, with 1 and 2 threads.</summary>
public sealed class CpuLayerTests(ITestOutputHelper output)
{
    private static OnnxModelBuilder Unary(string op, int[] shape, params EdgeAgent.Engine.Onnx.Proto.AttributeProto[] attributes)
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, shape.Select(d => (OnnxDim)d).ToArray()).Output("y", DataType.Float32);
        b.Node(op, "op", ["x"], ["y"], attributes);
        return b;
    }

    private static OnnxModelBuilder Binary(string op, int[] a, int[] b, bool constantB = false, bool swap = false)
    {
        var m = new OnnxModelBuilder("t").Input("a", DataType.Float32, a.Select(d => (OnnxDim)d).ToArray()).Output("y", DataType.Float32);
        if (constantB) m.Initializer("b", Enumerable.Range(0, b.Aggregate(1, (x, y) => x * y)).Select(i => 0.5f + i % 7 * 0.25f).ToArray(), b);
        else m.Input("b", DataType.Float32, b.Select(d => (OnnxDim)d).ToArray());
        m.Node(op, "op", swap ? ["b", "a"] : ["a", "b"], ["y"]);
        return m;
    }

    public static TheoryData<string> Cases() => new(CaseTable.Keys);

    private static readonly Dictionary<string, Func<OnnxModelBuilder>> CaseTable = new()
    {
        ["add same shape"] = () => Binary("Add", [1, 8, 5, 7], [1, 8, 5, 7]),
        ["mul per-channel gate"] = () => Binary("Mul", [1, 8, 5, 7], [1, 8, 1, 1]),
        ["sub per-pixel"] = () => Binary("Sub", [2, 3, 5, 7], [1, 1, 5, 7]),
        ["div scalar constant first"] = () => Binary("Div", [3, 4], [1], constantB: true, swap: true),
        ["sub scalar constant first"] = () => Binary("Sub", [3, 4], [1], constantB: true, swap: true),
        ["add bias over last axis"] = () => Binary("Add", [6, 10], [10], constantB: true),
        ["mul middle axis"] = () => Binary("Mul", [2, 3, 4, 5], [3, 1, 5]),
        ["add both broadcast"] = () => Binary("Add", [4, 1, 6], [1, 5, 1]),
        ["sigmoid"] = () => Unary("Sigmoid", [1, 4, 33, 35]),
        ["hardswish"] = () => Unary("HardSwish", [1, 4, 33, 35]),
        ["leakyrelu"] = () => Unary("LeakyRelu", [3, 100], OnnxAttr.Float("alpha", 0.2f)),
        ["hardsigmoid"] = () => Unary("HardSigmoid", [3, 100], OnnxAttr.Float("alpha", 0.3f), OnnxAttr.Float("beta", 0.4f)),
        ["tanh"] = () => Unary("Tanh", [7, 50]),
        ["global average pool"] = () => Unary("GlobalAveragePool", [2, 6, 9, 11]),
        ["global max pool"] = () => Unary("GlobalMaxPool", [1, 6, 9, 11]),
        ["maxpool 3x3 s2 p1"] = () => Unary("MaxPool", [1, 3, 17, 16], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("strides", 2, 2), OnnxAttr.Ints("pads", 1, 1, 1, 1)),
        ["maxpool 5x5 s1 p2 (SPPF)"] = () => Unary("MaxPool", [1, 4, 10, 10], OnnxAttr.Ints("kernel_shape", 5, 5), OnnxAttr.Ints("pads", 2, 2, 2, 2)),
        ["avgpool ceil include pad"] = () => Unary("AveragePool", [1, 3, 11, 10], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("strides", 2, 2),
            OnnxAttr.Ints("pads", 1, 1, 1, 1), OnnxAttr.Int("ceil_mode", 1), OnnxAttr.Int("count_include_pad", 1)),
        ["resize nearest x2 asymmetric floor"] = () => Resize([1, 3, 5, 6], [1, 1, 2, 2], "asymmetric", "floor"),
        ["resize nearest x4 half pixel"] = () => Resize([1, 2, 4, 5], [1, 1, 4, 4], "half_pixel", "round_prefer_floor"),
        ["resize nearest down"] = () => Resize([1, 2, 9, 8], [1, 1, 0.5f, 0.5f], "asymmetric", "floor"),
        ["transpose yolo head"] = () => Unary("Transpose", [1, 3, 7, 4, 5], OnnxAttr.Ints("perm", 0, 1, 3, 4, 2)),
        ["transpose keeps last axis"] = () => Unary("Transpose", [2, 3, 4, 5], OnnxAttr.Ints("perm", 1, 0, 2, 3)),
        ["transpose reverse"] = () => Unary("Transpose", [3, 4, 5]),
        ["softmax last axis"] = () => Unary("Softmax", [3, 5, 40], OnnxAttr.Int("axis", -1)),
        ["reduce mean trailing"] = () => Reduce("ReduceMean", [2, 3, 4, 5], [2, 3], keep: 1),
        ["reduce sum last"] = () => Reduce("ReduceSum", [6, 7], [-1], keep: 0),
        ["reduce max last two"] = () => Reduce("ReduceMax", [2, 4, 9], [1, 2], keep: 1),
        ["layer norm"] = () =>
        {
            var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 2, 6, 32).Output("y", DataType.Float32);
            b.Initializer("g", Enumerable.Range(0, 32).Select(i => 0.5f + i * 0.03f).ToArray(), 32);
            b.Initializer("beta", Enumerable.Range(0, 32).Select(i => i * 0.01f - 0.1f).ToArray(), 32);
            b.Node("LayerNormalization", "ln", ["x", "g", "beta"], ["y"], OnnxAttr.Int("axis", -1), OnnxAttr.Float("epsilon", 1e-5f));
            return b;
        },
        ["split channels"] = () =>
        {
            var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 7, 4, 4).Output("a", DataType.Float32).Output("c", DataType.Float32);
            b.Initializer("sizes", new long[] { 3, 4 }, 2);
            b.Node("Split", "split", ["x", "sizes"], ["a", "c"], OnnxAttr.Int("axis", 1));
            return b;
        },
        ["concat with a graph input"] = () =>
        {
            var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 3, 4, 4).Output("y", DataType.Float32);
            b.Node("Relu", "r", ["x"], ["r"]);
            b.Node("Sigmoid", "s", ["x"], ["s"]);
            b.Node("Concat", "cat", ["r", "x", "s"], ["y"], OnnxAttr.Int("axis", 1));
            return b;
        },
        ["matmul head, 3 rows, relu then scalar scale"] = () =>
        {
            var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 3, 40).Output("y", DataType.Float32);
            b.Initializer("w", Enumerable.Range(0, 40 * 70).Select(i => (i * 37 % 101 - 50) / 200f).ToArray(), 40, 70);
            b.Initializer("bias", Enumerable.Range(0, 70).Select(i => (i % 9 - 4) / 8f).ToArray(), 70);
            b.Initializer("k", [0.75f]);
            b.Node("MatMul", "mm", ["x", "w"], ["m"]);
            b.Node("Add", "add", ["m", "bias"], ["a"]);
            b.Node("Relu", "r", ["a"], ["r"]);
            b.Node("Mul", "scale", ["r", "k"], ["y"]);
            return b;
        },
        ["gemm transB head, 1 row"] = () =>
        {
            var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 130).Output("y", DataType.Float32);
            b.Initializer("w", Enumerable.Range(0, 90 * 130).Select(i => (i * 53 % 97 - 48) / 300f).ToArray(), 90, 130);
            b.Initializer("bias", Enumerable.Range(0, 90).Select(i => (i % 5 - 2) / 4f).ToArray(), 90);
            b.Node("Gemm", "fc", ["x", "w", "bias"], ["g"], OnnxAttr.Int("transB", 1));
            b.Node("Sigmoid", "s", ["g"], ["y"]);
            return b;
        },
        ["concat on last axis, batch 2"] = () =>
        {
            var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 2, 3, 5).Output("y", DataType.Float32);
            b.Node("Relu", "r", ["x"], ["r"]);
            b.Node("Tanh", "t", ["x"], ["t"]);
            b.Node("Concat", "cat", ["r", "t"], ["y"], OnnxAttr.Int("axis", 2));
            return b;
        },
        ["batched matmul of two activations (attention scores)"] = () =>
        {
            var b = new OnnxModelBuilder("t").Input("q", DataType.Float32, 2, 3, 17, 9).Input("k", DataType.Float32, 2, 3, 9, 21).Output("y", DataType.Float32);
            b.Node("Tanh", "t", ["q"], ["tq"]);
            b.Node("MatMul", "mm", ["tq", "k"], ["y"]);
            return b;
        },
        ["matmul by weights over many rows, bias and gelu"] = () =>
        {
            var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 1, 37, 20).Output("y", DataType.Float32);
            b.Initializer("w", Enumerable.Range(0, 20 * 13).Select(i => (i * 37 % 41 - 20) / 60f).ToArray(), 20, 13);
            b.Initializer("bias", Enumerable.Range(0, 13).Select(i => (i % 3 - 1) / 5f).ToArray(), 13);
            b.Node("MatMul", "mm", ["x", "w"], ["m"]);
            b.Node("Add", "add", ["m", "bias"], ["a"]);
            b.Node("Relu", "r", ["a"], ["y"]);
            return b;
        },
        ["gather middle axis, negative and repeated indices"] = () =>
        {
            var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 2, 5, 3).Output("y", DataType.Float32);
            b.Initializer("i", new long[] { -1, 0, 3, 0 }, 4);
            b.Node("Relu", "r", ["x"], ["r"]);
            b.Node("Gather", "g", ["r", "i"], ["y"], OnnxAttr.Int("axis", 1));
            return b;
        },
        ["gather scalar index on axis 0 (attention's q/k/v)"] = () =>
        {
            var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, 3, 2, 4, 6).Output("y", DataType.Float32);
            b.Initializer("i", Tensor.FromLongs([2]));
            b.Node("Tanh", "t", ["x"], ["t"]);
            b.Node("Gather", "g", ["t", "i"], ["y"], OnnxAttr.Int("axis", 0));
            return b;
        },
    };

    private static OnnxModelBuilder Reduce(string op, int[] shape, long[] axes, int keep)
    {
        var b = new OnnxModelBuilder("t", opset: 18).Input("x", DataType.Float32, shape.Select(d => (OnnxDim)d).ToArray()).Output("y", DataType.Float32);
        b.Initializer("axes", axes, axes.Length);
        b.Node(op, "reduce", ["x", "axes"], ["y"], OnnxAttr.Int("keepdims", keep));
        return b;
    }

    private static OnnxModelBuilder Resize(int[] shape, float[] scales, string coordinates, string nearest)
    {
        var b = new OnnxModelBuilder("t").Input("x", DataType.Float32, shape.Select(d => (OnnxDim)d).ToArray()).Output("y", DataType.Float32);
        b.Initializer("scales", scales, scales.Length);
        b.Node("Resize", "resize", ["x", "", "scales"], ["y"], OnnxAttr.String("mode", "nearest"),
            OnnxAttr.String("coordinate_transformation_mode", coordinates), OnnxAttr.String("nearest_mode", nearest));
        return b;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheReference(string name)
    {
        var random = new Random(TestModels.NewSeed(output));
        var bytes = CaseTable[name]().ToBytes();
        var reference = OnnxImporter.FromBytes(bytes, null, name);
        EdgeAgent.Engine.Graph.ShapeInference.Run(reference, null, new ReferenceConstantEvaluator());
        var inputs = reference.Graph.Inputs.ToDictionary(i => i.Name, i => TestModels.RandomTensor(random, i.Shape!.ToInts()));
        var expected = new ReferenceExecutor(reference).Run(inputs);
        foreach (int threads in new[] { 1, 2 })
        {
            var (engine, _) = EngineBuilder.Build(OnnxImporter.FromBytes(bytes, null, name), new BuilderConfig { Backend = new CpuBackend() });
            Assert.DoesNotContain(engine.Layers, l => l.GetType().Name == "FallbackLayer");
            using var context = engine.CreateContext(threads);
            var actual = context.Run(inputs);
            foreach (var (key, value) in expected)
                TensorAssert.AssertClose(value, actual[key], 2e-6, $"{name}, output {key}, {threads} thread(s)");
        }
    }
}
