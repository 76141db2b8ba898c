using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Tests.Oracle;

public sealed class OrtOracleTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeagent-oracle-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AddAndMulWithBroadcastGiveTheElementwiseResults()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var b = new OnnxModelBuilder("add")
            .Input("A", DataType.Float32, "N", 3, 4)
            .Input("B", DataType.Float32, 4)
            .Output("sum", DataType.Float32, "N", 3, 4)
            .Output("product", DataType.Float32, "N", 3, 4);
        b.Op("Add", "sum", ["A", "B"]);
        b.Op("Mul", "product", ["A", "B"]);
        string model = Save(b, "add.onnx");

        float[] a = RandomFloats(random, 2 * 3 * 4), bias = RandomFloats(random, 4);
        var result = OrtOracle.Run(model, new Dictionary<string, Tensor>
        {
            ["A"] = Tensor.FromFloats(a, 2, 3, 4),
            ["B"] = Tensor.FromFloats(bias, 4),
        });

        Assert.Equal(["sum", "product"], result.Keys);
        Assert.Equal([2, 3, 4], result["sum"].Shape);
        Assert.Equal(a.Select((v, i) => v + bias[i % 4]), result["sum"].Floats);
        Assert.Equal(a.Select((v, i) => v * bias[i % 4]), result["product"].Floats);
    }

    [Fact]
    public void Int64Int32AndBoolTensorsTravelBothWays()
    {
        var b = new OnnxModelBuilder("dtypes")
            .Input("A", DataType.Float32, 2, 3)
            .Input("ids", DataType.Int64, 3)
            .Output("shape", DataType.Int64, 2)
            .Output("gt", DataType.Bool, 2, 3)
            .Output("gt_int", DataType.Int32, 2, 3)
            .Output("ids_twice", DataType.Int64, 3);
        string zero = b.Initializer("zero", [0f]);
        b.Op("Shape", "shape", ["A"]);
        b.Op("Greater", "gt", ["A", zero]);
        b.Op("Cast", "gt_int", ["gt"], OnnxAttr.Int("to", (long)DataType.Int32));
        b.Op("Add", "ids_twice", ["ids", "ids"]);
        string model = Save(b, "dtypes.onnx");

        float[] a = [-1f, 2f, 0f, 3.5f, -0.5f, 7f];
        long[] ids = [long.MaxValue / 4, -5, 1L << 40];
        var result = OrtOracle.Run(model, new Dictionary<string, Tensor>
        {
            ["A"] = Tensor.FromFloats(a, 2, 3),
            ["ids"] = Tensor.FromLongs(ids, 3),
        });

        Assert.Equal([2L, 3L], result["shape"].Longs);
        Assert.Equal(a.Select(v => v > 0), result["gt"].Bools);
        Assert.Equal(a.Select(v => v > 0 ? 1 : 0), result["gt_int"].Ints);
        Assert.Equal(ids.Select(v => v * 2), result["ids_twice"].Longs);
    }

    [Fact]
    public void OutputNamesThatAreNotFileNamesStillComeBackUnderTheirOwnName()
    {
        var b = new OnnxModelBuilder("names")
            .Input("x:0", DataType.Float32, 2)
            .Output("/model/out:0", DataType.Float32, 2)
            .Output("..", DataType.Float32, 2);
        b.Op("Relu", "/model/out:0", ["x:0"]);
        b.Op("Neg", "..", ["x:0"]);
        string model = Save(b, "names.onnx");

        var result = OrtOracle.Run(model, new Dictionary<string, Tensor> { ["x:0"] = Tensor.FromFloats([-1f, 2f], 2) });

        Assert.Equal([0f, 2f], result["/model/out:0"].Floats);
        Assert.Equal([1f, -2f], result[".."].Floats);
        Assert.Empty(Directory.GetFiles(_dir, "*.npy", SearchOption.AllDirectories));
    }

    [Fact]
    public void AFailingRunThrowsWithOnnxRuntimesMessage()
    {
        var b = new OnnxModelBuilder("strict").Input("A", DataType.Float32, 2, 3).Output("y", DataType.Float32, 2, 3);
        b.Op("Relu", "y", ["A"]);
        string model = Save(b, "strict.onnx");

        var e = Assert.Throws<InvalidOperationException>(() =>
            OrtOracle.Run(model, new Dictionary<string, Tensor> { ["A"] = Tensor.FromFloats([1f, 2f, 3f, 4f, 5f], 5) }));
        output.WriteLine(e.Message);
        Assert.Contains("ort-run.js failed", e.Message);
        Assert.Contains("A", e.Message.Split("failed")[1]);

        var missing = Assert.Throws<InvalidOperationException>(() =>
            OrtOracle.Run(Path.Combine(_dir, "absent.onnx"), new Dictionary<string, Tensor>()));
        Assert.Contains("absent.onnx", missing.Message);
    }

    [Fact]
    public void BenchReportsOrderedLatencies()
    {
        var b = new OnnxModelBuilder("bench").Input("x", DataType.Float32, 64, 64).Output("y", DataType.Float32, 64, 64);
        b.Op("MatMul", "y", ["x", "x"]);
        string model = Save(b, "bench.onnx");

        var r = OrtOracle.Bench(model, iterations: 20, warmup: 2, threads: 1);
        output.WriteLine(r.ToString());

        Assert.Equal(20, r.Iterations);
        Assert.Equal(1, r.Threads);
        Assert.True(r.MinMs > 0);
        Assert.True(r.MinMs <= r.MedianMs && r.MedianMs <= r.P90Ms && r.P90Ms <= r.P99Ms, r.ToString());
    }

    private string Save(OnnxModelBuilder builder, string name)
    {
        string path = Path.Combine(_dir, name);
        builder.Save(path);
        return path;
    }

    private static float[] RandomFloats(Random random, int n) =>
        Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
}
