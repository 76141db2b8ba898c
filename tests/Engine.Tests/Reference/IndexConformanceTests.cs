using EdgeAgent.Engine.Tensors;
using static EdgeAgent.Engine.Onnx.OnnxAttr;
using Tensor = EdgeAgent.Engine.Tensors.Tensor;

namespace EdgeAgent.Engine.Tests.Reference;

/// <summary>GatherElements, GatherND, ScatterElements (and opset-10 Scatter), ScatterND, OneHot and TopK against ONNX Runtime.</summary>
public sealed class IndexConformanceTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names => ConformanceRunner.Names(Cases);

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesOrt(string name) => ConformanceRunner.Check(Cases, name, output);

    /// <summary>
    /// Indices of shape [count, columns] into an axis of <paramref name="size"/>: within each column
    /// distinct positions (so scatters without a reduction have one writer per element), about half
    /// written negative.
    /// </summary>
    private static string DistinctIndices(CaseBuilder b, string name, int size, int count, int columns)
    {
        var values = new long[count * columns];
        for (int c = 0; c < columns; c++)
        {
            var order = Enumerable.Range(0, size).OrderBy(_ => b.Random.Next()).ToArray();
            for (int r = 0; r < count; r++) values[r * columns + c] = b.Random.Next(2) == 0 ? order[r] : order[r] - size;
        }
        return b.Feed(name, Tensor.FromLongs(values, count, columns));
    }

    private static readonly ConformanceCase[] Cases =
    [
        new("GatherElements axes, negative indices, int64 data", 13, b =>
        {
            var x = b.Input("x", 3, 4);
            b.Out("GatherElements", [x, b.IntInput("rows", -3, 2, 5, 4)]);
            b.Out("GatherElements", [x, b.IntInput("columns", -4, 3, 3, 2)], Int("axis", 1));
            b.Out("GatherElements", [x, b.IntInput("last", -4, 3, 2, 6)], Int("axis", -1));
            b.Out("GatherElements", [b.Input("cube", 2, 3, 4), b.IntInput("middle", -3, 2, 2, 5, 4)], Int("axis", 1));
            b.OutOf(DataType.Int64, "GatherElements", [b.IntInput("i", -99, 99, 3, 4), b.IntInput("picks", 0, 2, 2, 4)]);
        }),
        new("GatherND with batch_dims 0, 1 and 2, partial and full tuples", 13, b =>
        {
            var x = b.Input("x", 2, 3, 4);
            b.Out("GatherND", [x, b.IntInput("pairs", -2, 1, 5, 1)]);
            var full = b.Feed("full", Tensor.FromLongs([0, 2, 3, 1, -1, -4, -2, 0, 1], 3, 3));
            b.Out("GatherND", [x, full]);
            var two = b.Feed("two", Tensor.FromLongs([1, 2, 0, -3, 1, 0, -1, -1], 2, 2, 2));
            b.Out("GatherND", [x, two]);
            b.Out("GatherND", [x, b.IntInput("batched", -3, 2, 2, 4, 1)], Int("batch_dims", 1));
            var tuples = b.Feed("tuples", Tensor.FromLongs([0, 3, 2, -1, 1, 0, -3, 2], 2, 2, 2));
            b.Out("GatherND", [x, tuples], Int("batch_dims", 1));
            b.Out("GatherND", [x, b.IntInput("deep", -4, 3, 2, 3, 1)], Int("batch_dims", 2));
            b.OutOf(DataType.Int64, "GatherND", [b.IntInput("i", -99, 99, 4, 3), b.IntInput("rows", -4, 3, 2, 1)]);
        }),
        new("ScatterElements with reductions none, add, mul, max, min", 18, b =>
        {
            var x = b.Input("x", 5, 4);
            var distinct = DistinctIndices(b, "distinct", 5, 3, 4);
            var updates = b.Input("updates", 3, 4);
            b.Out("ScatterElements", [x, distinct, updates]);
            var repeated = b.IntInput("repeated", -5, 4, 6, 4);
            var more = b.Input("more", 6, 4);
            foreach (var reduction in new[] { "add", "mul", "max", "min" })
                b.Out("ScatterElements", [x, repeated, more], String("reduction", reduction));
            var y = b.Input("y", 3, 6);
            var columns = b.IntInput("columns", -6, 5, 3, 2);
            b.Out("ScatterElements", [y, columns, b.Input("u", 3, 2)], Int("axis", 1), String("reduction", "add"));
            b.OutOf(DataType.Int64, "ScatterElements", [b.IntInput("i", -9, 9, 5, 4), distinct, b.IntInput("iu", -9, 9, 3, 4)]);
        }),
        new("Scatter, the opset-10 name of ScatterElements", 10, b =>
        {
            var x = b.Input("x", 5, 4);
            b.Out("Scatter", [x, DistinctIndices(b, "distinct", 5, 3, 4), b.Input("updates", 3, 4)]);
        }),
        new("ScatterND rows and elements, reductions", 18, b =>
        {
            var x = b.Input("x", 4, 3, 2);
            var rows = DistinctIndices(b, "rows", 4, 2, 1);
            b.Out("ScatterND", [x, rows, b.Input("slices", 2, 3, 2)]);
            var points = b.Feed("points", Tensor.FromLongs([0, 1, 3, -1, -2, 0], 3, 2));
            b.Out("ScatterND", [x, points, b.Input("pairs", 3, 2)]);
            var cells = b.Feed("cells", Tensor.FromLongs([1, 2, 0, 3, 0, 1, 1, 2, 0, 1, 2, 1], 2, 2, 3));
            b.Out("ScatterND", [x, cells, b.Input("values", 2, 2)]);
            var repeated = b.Feed("repeated", Tensor.FromLongs([1, 3, 1, -3], 4, 1));
            var more = b.Input("more", 4, 3, 2);
            foreach (var reduction in new[] { "add", "mul", "max", "min" })
                b.Out("ScatterND", [x, repeated, more], String("reduction", reduction));
        }),
        new("OneHot axes, negative indices, value types", 11, b =>
        {
            var indices = b.IntInput("indices", -5, 4, 2, 3);
            var depth = b.Model.Initializer("depth", Tensor.Scalar(5L));
            var values = b.Floats("values", -1, 2);
            b.Out("OneHot", [indices, depth, values]);
            b.Out("OneHot", [indices, depth, values], Int("axis", 0));
            b.Out("OneHot", [indices, depth, values], Int("axis", 1));
            b.Out("OneHot", [indices, depth, values], Int("axis", -3));
            b.Out("OneHot", [b.WholeInput("float_indices", -3, 2, 4), b.Scalar("float_depth", 3), values]);
            b.OutOf(DataType.Int64, "OneHot", [indices, depth, b.Longs("int_values", 0, 7)]);
        }),
        new("TopK largest and smallest, axes, int64", 11, b =>
        {
            var x = b.Input("x", 3, 4, 5);
            var k = b.Longs("k", 3);
            var name = 0;
            foreach (var attrs in new[] { new[] { Int("axis", -1) }, [Int("axis", 1), Int("largest", 0)], [Int("axis", 0)] })
            {
                var outputs = b.Model.Node("TopK", $"topk{name}", [x, k], [$"values{name}", $"indices{name}"], attrs);
                b.Model.Output(outputs[0], DataType.Float32);
                b.Model.Output(outputs[1], DataType.Int64);
                name++;
            }
            var all = b.Model.Node("TopK", "all", [x, b.Longs("k5", 5)], ["all_values", "all_indices"]);
            b.Model.Output(all[0], DataType.Float32);
            b.Model.Output(all[1], DataType.Int64);
            var ints = b.Model.Node("TopK", "ints", [b.IntInput("i", -1000, 1000, 4, 6), b.Longs("k2", 2)], ["int_values", "int_indices"], Int("largest", 0));
            b.Model.Output(ints[0], DataType.Int64);
            b.Model.Output(ints[1], DataType.Int64);
        }),
    ];
}
