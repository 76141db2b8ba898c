using EdgeAgent.Engine.Tensors;
using static EdgeAgent.Engine.Onnx.OnnxAttr;
using Tensor = EdgeAgent.Engine.Tensors.Tensor;

namespace EdgeAgent.Engine.Tests.Reference;

/// <summary>Variadic Max/Min/Sum/Mean, Mod, logic and ordering comparisons, bitwise ops and CastLike against ONNX Runtime.</summary>
public sealed class BinaryConformanceTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names => ConformanceRunner.Names(Cases);

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesOrt(string name) => ConformanceRunner.Check(Cases, name, output);

    private static readonly ConformanceCase[] Cases =
    [
        new("Max, Min, Sum, Mean of one to three broadcast inputs", 13, b =>
        {
            var x = b.Input("x", 2, 3, 4);
            var row = b.Input("row", 4);
            var column = b.Input("column", 3, 1);
            foreach (var op in new[] { "Max", "Min", "Sum", "Mean" })
            {
                b.Out(op, [x]);
                b.Out(op, [x, row]);
                b.Out(op, [row, column, x]);
            }
            b.Out("Max", [b.Input("scalar", []), column]);
        }),
        new("Max, Min on int64 and int32", 13, b =>
        {
            var i = b.IntInput("i", -50, 50, 3, 4);
            var j = b.IntInput("j", -50, 50, 4);
            var k = b.IntInput("k", -50, 50, 3, 1);
            b.OutOf(DataType.Int64, "Max", [i, j, k]);
            b.OutOf(DataType.Int64, "Min", [i, j]);
            var p = b.Feed("p", Tensor.FromInts([3, -7, 12, 0, -1, 5], 2, 3));
            var q = b.Feed("q", Tensor.FromInts([2, -3, 4], 3));
            b.OutOf(DataType.Int32, "Max", [p, q]);
            b.OutOf(DataType.Int32, "Min", [p, q]);
        }),
        new("Mod with fmod 0 and 1 on integers, fmod 1 on floats", 13, b =>
        {
            var x = b.IntInput("x", -20, 20, 3, 6);
            var divisors = b.Feed("divisors", Tensor.FromLongs([3, -3, 7, -5, 1, 2], 6));
            b.OutOf(DataType.Int64, "Mod", [x, divisors]);
            b.OutOf(DataType.Int64, "Mod", [x, divisors], Int("fmod", 1));
            var i = b.Feed("i", Tensor.FromInts([13, -13, 13, -13, 0, 7], 6));
            var j = b.Feed("j", Tensor.FromInts([4, 4, -4, -4, 3, 7], 6));
            b.OutOf(DataType.Int32, "Mod", [i, j]);
            b.OutOf(DataType.Int32, "Mod", [i, j], Int("fmod", 1));
            var f = b.Uniform("f", -6, 6, 3, 6);
            b.Out("Mod", [f, b.FeedFloats("g", [1.5f, -1.5f, 2.25f, -0.7f, 4, 0.3f], 6)], Int("fmod", 1));
        }),
        new("Or, Xor, GreaterOrEqual, LessOrEqual with broadcasting", 16, b =>
        {
            var p = b.BoolInput("p", 3, 4);
            var q = b.BoolInput("q", 4);
            b.OutOf(DataType.Bool, "Or", [p, q]);
            b.OutOf(DataType.Bool, "Xor", [p, q]);
            var x = b.WholeInput("x", -2, 2, 3, 4);
            var y = b.WholeInput("y", -2, 2, 4);
            b.OutOf(DataType.Bool, "GreaterOrEqual", [x, y]);
            b.OutOf(DataType.Bool, "LessOrEqual", [x, y]);
            var i = b.IntInput("i", -2, 2, 2, 1, 4);
            var j = b.IntInput("j", -2, 2, 3, 1);
            b.OutOf(DataType.Bool, "GreaterOrEqual", [i, j]);
            b.OutOf(DataType.Bool, "LessOrEqual", [i, j]);
        }),
        new("BitwiseAnd, BitwiseOr, BitwiseXor, BitwiseNot on int64, int32 and uint8", 18, b =>
        {
            var i = b.IntInput("i", -1000, 1000, 3, 4);
            var j = b.IntInput("j", -1000, 1000, 4);
            foreach (var op in new[] { "BitwiseAnd", "BitwiseOr", "BitwiseXor" }) b.OutOf(DataType.Int64, op, [i, j]);
            b.OutOf(DataType.Int64, "BitwiseNot", [i]);
            var p = b.Feed("p", Tensor.FromInts([5, -6, 1 << 20, 0, -1, 12345], 2, 3));
            var q = b.Feed("q", Tensor.FromInts([3, 9, -8], 3));
            b.OutOf(DataType.Int32, "BitwiseAnd", [p, q]);
            b.OutOf(DataType.Int32, "BitwiseXor", [p, q]);
            b.OutOf(DataType.Int32, "BitwiseNot", [p]);
            var u = b.Feed("u", new Tensor(DataType.UInt8, [2, 4], new byte[] { 1, 255, 128, 7, 64, 3, 200, 0 }));
            var shifts = b.Feed("shifts", new Tensor(DataType.UInt8, [4], new byte[] { 0, 1, 3, 7 }));
            b.OutOf(DataType.UInt8, "BitwiseOr", [u, shifts]);
            b.OutOf(DataType.UInt8, "BitwiseNot", [u]);
        }),
        new("CastLike to int64, float, int32, bool", 15, b =>
        {
            var x = b.Uniform("x", -5, 5, 3, 4);
            var i = b.IntInput("i", -9, 9, 3, 4);
            b.OutOf(DataType.Int64, "CastLike", [x, i]);
            b.Out("CastLike", [i, x]);
            b.OutOf(DataType.Int32, "CastLike", [x, b.Feed("like32", Tensor.FromInts([1], 1))]);
            b.OutOf(DataType.Bool, "CastLike", [i, b.BoolInput("flag", 1)]);
        }),
    ];
}
