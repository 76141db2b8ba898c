using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Onnx.Proto;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Oracle;

namespace EdgeAgent.Engine.Tests.Reference;

/// <summary>
/// One conformance case: a single-op (or tiny) model built in code, with random inputs. Several
/// independent variants of an op may share one case as separate outputs, because every case
/// costs one ONNX Runtime process.
/// </summary>
public sealed record ConformanceCase(string Name, int Opset, Action<CaseBuilder> Build)
{
    public override string ToString() => Name;
}

/// <summary>Builds a case's model and remembers the random tensors fed to its inputs.</summary>
public sealed class CaseBuilder(Random random, int opset, string name)
{
    public OnnxModelBuilder Model { get; } = new(name.Replace(' ', '_'), opset);
    public Dictionary<string, Tensor> Feeds { get; } = [];
    public Random Random { get; } = random;

    /// <summary>A float32 graph input, uniform in [-1, 1).</summary>
    public string Input(string name, params int[] shape) => Feed(name, TestModels.RandomTensor(Random, shape));

    /// <summary>A float32 graph input, uniform in [low, high).</summary>
    public string Uniform(string name, float low, float high, params int[] shape) =>
        Feed(name, Tensor.FromFloats(Values(shape, () => low + (high - low) * (float)Random.NextDouble()), shape));

    /// <summary>A float32 graph input, uniform in [0.1, 2.1): for Sqrt, Log, Pow bases and divisors.</summary>
    public string Positive(string name, params int[] shape) =>
        Feed(name, Tensor.FromFloats(Values(shape, () => 0.1f + 2 * (float)Random.NextDouble()), shape));

    /// <summary>A float32 graph input of whole numbers in [min, max], so that comparisons find equal elements.</summary>
    public string WholeInput(string name, int min, int max, params int[] shape) =>
        Feed(name, Tensor.FromFloats(Values(shape, () => (float)Random.Next(min, max + 1)), shape));

    /// <summary>A float32 graph input holding <paramref name="values"/>.</summary>
    public string FeedFloats(string name, float[] values, params int[] shape) => Feed(name, Tensor.FromFloats(values, shape));

    /// <summary>An int64 graph input, uniform in [min, max].</summary>
    public string IntInput(string name, long min, long max, params int[] shape) =>
        Feed(name, Tensor.FromLongs(Values(shape, () => Random.NextInt64(min, max + 1)), shape));

    /// <summary>A bool graph input, true with probability one half.</summary>
    public string BoolInput(string name, params int[] shape) =>
        Feed(name, Tensor.FromBools(Values(shape, () => Random.Next(2) == 1), shape));

    /// <summary>A graph input fed with <paramref name="tensor"/>.</summary>
    public string Feed(string name, Tensor tensor)
    {
        Model.Input(name, tensor.Type, tensor.Shape.Select(d => (OnnxDim)d).ToArray());
        Feeds[name] = tensor;
        return name;
    }

    /// <summary>A float32 initializer, uniform in [-1, 1).</summary>
    public string Weight(string name, params int[] shape) => Model.Initializer(name, TestModels.RandomTensor(Random, shape));

    /// <summary>A float32 initializer, uniform in [0.1, 2.1) (variances, scales).</summary>
    public string PositiveWeight(string name, params int[] shape) =>
        Model.Initializer(name, Tensor.FromFloats(Values(shape, () => 0.1f + 2 * (float)Random.NextDouble()), shape));

    /// <summary>A scalar (rank 0) initializer.</summary>
    public string Scalar(string name, float value) => Model.Initializer(name, Tensor.Scalar(value));

    /// <summary>A 1-D int64 initializer (axes, shapes, starts, pads).</summary>
    public string Longs(string name, params long[] values) => Model.Initializer(name, values, values.Length);

    /// <summary>A 1-D float32 initializer (scales).</summary>
    public string Floats(string name, params float[] values) => Model.Initializer(name, values, values.Length);

    /// <summary>Adds a single-output node and declares its output as a graph output of unknown shape.</summary>
    public string Out(string opType, IReadOnlyList<string> inputs, params AttributeProto[] attributes) =>
        OutOf(DataType.Float32, opType, inputs, attributes);

    public string OutOf(DataType type, string opType, IReadOnlyList<string> inputs, params AttributeProto[] attributes)
    {
        string value = Model.Op(opType, inputs, attributes);
        Model.Output(value, type);
        return value;
    }

    private static T[] Values<T>(int[] shape, Func<T> next)
    {
        var data = new T[Tensor.ElementCount(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = next();
        return data;
    }
}

/// <summary>
/// Runs a case in the reference executor and in ONNX Runtime and compares every output:
/// element type, shape, the shape that shape inference predicted, and values (relative L2
/// for floats, exact for integers and bools).
/// </summary>
public static class ConformanceRunner
{
    public const double Tolerance = 1e-5;

    /// <summary>Inputs are O(1): an output whose RMS is below 1 (a sum that cancels) is judged against 1, i.e. absolutely.</summary>
    public const double Floor = 1.0;

    public static TheoryData<string> Names(IEnumerable<ConformanceCase> cases)
    {
        var data = new TheoryData<string>();
        foreach (var c in cases) data.Add(c.Name);
        return data;
    }

    public static void Check(IEnumerable<ConformanceCase> cases, string name, ITestOutputHelper output) =>
        Check(cases.Single(c => c.Name == name), output);

    public static void Check(ConformanceCase c, ITestOutputHelper output)
    {
        var builder = new CaseBuilder(new Random(TestModels.NewSeed(output)), c.Opset, c.Name);
        c.Build(builder);
        string path = Path.Combine(Path.GetTempPath(), $"edgeagent-conformance-{Guid.NewGuid():N}.onnx");
        builder.Model.Save(path);
        try
        {
            var model = TestModels.Load(path, builder.Feeds.Select(f => (f.Key, f.Value.Shape)).ToArray());
            var ours = new ReferenceExecutor(model).Run(builder.Feeds);
            var theirs = OrtOracle.Run(path, builder.Feeds);
            Assert.Equal(theirs.Keys.Order(), ours.Keys.Order());
            // Every output is checked before failing, so one run shows all the variants that disagree.
            var failures = new List<string>();
            foreach (var value in model.Graph.Outputs)
            {
                try { CheckOutput(c, value, theirs[value.Name], ours[value.Name], output); }
                catch (Xunit.Sdk.XunitException e) { failures.Add(e.Message); }
            }
            if (failures.Count > 0) Assert.Fail(string.Join(Environment.NewLine, failures));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void CheckOutput(ConformanceCase c, Value value, Tensor expected, Tensor actual, ITestOutputHelper output)
    {
        string label = $"{c.Name}: output '{value.Name}'";
        Assert.True(expected.Type == actual.Type, $"{label}: type {actual.Type.Name()}, ORT gives {expected.Type.Name()}");
        Assert.True(expected.Type == value.Type, $"{label}: inferred type {value.Type.Name()}, ORT gives {expected.Type.Name()}");
        Assert.True(value.Shape is { IsStatic: true } && value.Shape.ToInts().SequenceEqual(expected.Shape),
            $"{label}: inferred shape {value.Shape?.ToString() ?? "?"}, ORT gives {Tensor.ShapeText(expected.Shape)}");
        if (expected.Type.IsFloat())
        {
            output.WriteLine($"{value.Name}: {Tensor.ShapeText(expected.Shape)}, rel L2 {TensorAssert.RelativeL2(expected, actual):E2}");
            TensorAssert.AssertClose(expected, actual, Tolerance, label, Floor);
            return;
        }
        Assert.True(expected.Shape.SequenceEqual(actual.Shape),
            $"{label}: shape {Tensor.ShapeText(actual.Shape)}, ORT gives {Tensor.ShapeText(expected.Shape)}");
        long[] e = expected.ToLongs(), a = actual.ToLongs();
        int first = Enumerable.Range(0, e.Length).FirstOrDefault(i => e[i] != a[i], -1);
        Assert.True(first < 0, $"{label}: element {first} is {(first < 0 ? 0 : a[first])}, ORT gives {(first < 0 ? 0 : e[first])}");
    }
}
