using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Onnx.Proto;
using EdgeAgent.Engine.Tensors;
using Google.Protobuf;

namespace EdgeAgent.Engine.Tests.Onnx;

/// <summary>Every way a model file can be wrong gives one clear user error, never a crash or a giant allocation.</summary>
public sealed class BadModelTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeagent-bad-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Model LoadAndInfer(string path)
    {
        var model = OnnxImporter.Load(path);
        ShapeInference.Run(model, null, new ReferenceConstantEvaluator());
        return model;
    }

    private string Save(ModelProto proto, string name = "model.onnx")
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, proto.ToByteArray());
        return path;
    }

    private static OnnxModelBuilder AddModel()
    {
        var b = new OnnxModelBuilder("add").Input("a", DataType.Float32, 2, 3).Input("b", DataType.Float32, 2, 3).Output("y", DataType.Float32, 2, 3);
        b.Op("Add", "y", ["a", "b"]);
        return b;
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        var e = Assert.Throws<ModelFormatException>(() => OnnxImporter.Load(Path.Combine(_dir, "nope.onnx")));
        Assert.Contains("nope.onnx", e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void GarbageIsNotAModel()
    {
        string path = Path.Combine(_dir, "garbage.onnx");
        File.WriteAllBytes(path, "this is a text file, not a model\n"u8.ToArray());
        var e = Assert.ThrowsAny<EngineUserException>(() => OnnxImporter.Load(path));
        Assert.Contains("not a valid ONNX model", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void TruncatedRealModelFailsCleanlyAtEveryCut()
    {
        var bytes = File.ReadAllBytes(TestModels.OcrClassifier);
        var random = new Random(TestModels.NewSeed(output));
        var cuts = new List<int> { 1, 2, 10, 100, bytes.Length / 2, bytes.Length - 1 };
        for (int i = 0; i < 40; i++) cuts.Add(random.Next(1, bytes.Length));
        foreach (int cut in cuts)
        {
            string path = Path.Combine(_dir, "truncated.onnx");
            File.WriteAllBytes(path, bytes[..cut]);
            var e = Assert.ThrowsAny<EngineUserException>(() => LoadAndInfer(path));
            Assert.DoesNotContain("\n", e.Message);
        }
    }

    [Fact]
    public void FlippedBytesNeverCrash()
    {
        var bytes = File.ReadAllBytes(TestModels.OcrClassifier);
        var random = new Random(TestModels.NewSeed(output));
        string path = Path.Combine(_dir, "flipped.onnx");
        int userErrors = 0;
        for (int i = 0; i < 30; i++)
        {
            var copy = (byte[])bytes.Clone();
            // Flip bytes in the structural part of the file (its first 4 KiB holds node definitions).
            for (int k = 0; k < 4; k++) copy[random.Next(Math.Min(4096, copy.Length))] ^= (byte)(1 << random.Next(8));
            File.WriteAllBytes(path, copy);
            try { LoadAndInfer(path); }
            catch (EngineUserException) { userErrors++; }
        }
        output.WriteLine($"{userErrors} of 30 corrupted files were rejected; the rest still formed a valid graph");
    }

    [Fact]
    public void HugeTensorClaimIsRejectedBeforeAllocating()
    {
        var proto = AddModel().Build();
        var huge = new TensorProto { Name = "w", DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(new byte[16]) };
        huge.Dims.Add(1L << 20);
        huge.Dims.Add(1L << 20);
        proto.Graph.Initializer.Add(huge);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ModelFormatException>(() => OnnxImporter.Load(Save(proto)));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, "the loader allocated for the claimed size");
        Assert.Contains("initializer 'w'", e.Message);
    }

    [Fact]
    public void TensorWithTooFewBytesIsRejected()
    {
        var proto = AddModel().Build();
        var t = new TensorProto { Name = "w", DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(new byte[8]) };
        t.Dims.Add(4);
        proto.Graph.Initializer.Add(t);
        var e = Assert.Throws<ModelFormatException>(() => OnnxImporter.Load(Save(proto)));
        Assert.Contains("holds 8 bytes", e.Message);
    }

    private ModelProto WithExternalInitializer(string location, long length = 24)
    {
        var proto = AddModel().Build();
        var t = new TensorProto { Name = "w", DataType = (int)TensorProto.Types.DataType.Float, DataLocation = TensorProto.Types.DataLocation.External };
        t.Dims.Add(2);
        t.Dims.Add(3);
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString() });
        proto.Graph.Initializer.Add(t);
        return proto;
    }

    [Fact]
    public void ExternalDataIsReadRelativeToTheModel()
    {
        var values = new float[] { 1, 2, 3, 4, 5, 6 };
        Directory.CreateDirectory(Path.Combine(_dir, "weights"));
        File.WriteAllBytes(Path.Combine(_dir, "weights", "w.bin"), values.SelectMany(BitConverter.GetBytes).ToArray());
        var model = OnnxImporter.Load(Save(WithExternalInitializer("weights/w.bin")));
        Assert.Equal(values, model.Graph.FindValue("w")!.Constant!.Floats);
    }

    [Fact]
    public void MissingExternalDataFileIsNamed()
    {
        var e = Assert.Throws<ModelFormatException>(() => OnnxImporter.Load(Save(WithExternalInitializer("missing.bin"))));
        Assert.Contains("missing.bin", e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../outside.bin")]
    [InlineData("weights/../../outside.bin")]
    public void ExternalDataMayNotLeaveTheModelFolder(string location)
    {
        File.WriteAllBytes(Path.Combine(Path.GetDirectoryName(_dir)!, "outside.bin"), new byte[24]);
        var e = Assert.Throws<ModelFormatException>(() => OnnxImporter.Load(Save(WithExternalInitializer(location))));
        Assert.Contains(location, e.Message);
        Assert.Matches("absolute path|leaves the model's folder", e.Message);
    }

    [Fact]
    public void ExternalDataLengthMustMatchTheShape()
    {
        File.WriteAllBytes(Path.Combine(_dir, "short.bin"), new byte[8]);
        var e = Assert.Throws<ModelFormatException>(() => OnnxImporter.Load(Save(WithExternalInitializer("short.bin", 8))));
        Assert.Contains("does not match its shape", e.Message);
    }

    [Fact]
    public void EveryUnsupportedOpIsListedWithItsFirstNode()
    {
        var b = new OnnxModelBuilder("ops").Input("x", DataType.Float32, 1, 4).Output("y", DataType.Float32);
        b.Op("Relu", "r", ["x"]);
        b.Op("NonZero", "nonzero_a", ["r"]);
        b.Op("NonZero", "nonzero_b", ["nonzero_a"]);
        b.Op("Unique", "unique_a", ["nonzero_b"]);
        b.Op("Relu", "y", ["unique_a"]);
        var model = OnnxImporter.Load(Save(b.Build()));
        var e = Assert.Throws<UnsupportedOpsException>(() => ShapeInference.Run(model));
        Assert.Equal([("NonZero", "nonzero_a"), ("Unique", "unique_a")], e.Ops);
        Assert.Contains("NonZero (first at node 'nonzero_a')", e.Message);
        Assert.Contains("Unique (first at node 'unique_a')", e.Message);
        Assert.Throws<UnsupportedOpsException>(() => new ReferenceExecutor(model));
    }

    [Fact]
    public void CycleIsReportedWithANodeOnIt()
    {
        var proto = AddModel().Build();
        // y = Add(a, z); z = Relu(y): a loop no exporter would write.
        proto.Graph.Node[0].Input[1] = "z";
        var relu = new NodeProto { Name = "loop_relu", OpType = "Relu" };
        relu.Input.Add("y");
        relu.Output.Add("z");
        proto.Graph.Node.Add(relu);
        var model = OnnxImporter.Load(Save(proto));
        var e = Assert.Throws<GraphValidationException>(() => ShapeInference.Run(model));
        Assert.Contains("cycle", e.Message);
        Assert.Matches("loop_relu|'y'", e.Message);
    }

    [Fact]
    public void UndefinedInputNamesTheNodeAndTheValue()
    {
        var proto = AddModel().Build();
        proto.Graph.Node[0].Input[1] = "ghost";
        var model = OnnxImporter.Load(Save(proto));
        var e = Assert.Throws<GraphValidationException>(() => ShapeInference.Run(model));
        Assert.Contains("'ghost'", e.Message);
        Assert.Contains("(Add)", e.Message);
    }

    [Fact]
    public void ShapesThatCannotBroadcastNameTheNode()
    {
        var b = new OnnxModelBuilder("bc").Input("a", DataType.Float32, 2, 3).Input("b", DataType.Float32, 4, 3).Output("y", DataType.Float32);
        b.Node("Add", "sum_node", ["a", "b"], ["y"]);
        var model = OnnxImporter.Load(Save(b.Build()));
        var e = Assert.Throws<ShapeInferenceException>(() => ShapeInference.Run(model));
        Assert.Contains("'sum_node' (Add)", e.Message);
        Assert.Contains("2x3 and 4x3 cannot broadcast", e.Message);
    }

    [Fact]
    public void TypeMismatchNamesTheNode()
    {
        var b = new OnnxModelBuilder("types").Input("a", DataType.Float32, 2).Input("b", DataType.Int64, 2).Output("y", DataType.Float32);
        b.Node("Mul", "mixed", ["a", "b"], ["y"]);
        var model = OnnxImporter.Load(Save(b.Build()));
        var e = Assert.Throws<ShapeInferenceException>(() => ShapeInference.Run(model));
        Assert.Contains("'mixed' (Mul)", e.Message);
        Assert.Contains("float32 and int64", e.Message);
    }

    [Fact]
    public void UnsupportedOpsetIsRejected()
    {
        var proto = AddModel().Build();
        proto.OpsetImport[0].Version = 99;
        var e = Assert.Throws<ModelFormatException>(() => OnnxImporter.Load(Save(proto)));
        Assert.Contains("opset 99", e.Message);
    }

    [Fact]
    public void WrongInputTensorIsRejectedWithTheExpectedShape()
    {
        var model = OnnxImporter.Load(Save(AddModel().Build()));
        ShapeInference.Run(model);
        var executor = new ReferenceExecutor(model);
        var ok = Tensor.FromFloats(new float[6], 2, 3);
        var e = Assert.Throws<InputMismatchException>(() => executor.Run(new Dictionary<string, Tensor> { ["a"] = ok, ["b"] = Tensor.FromFloats(new float[4], 2, 2) }));
        Assert.Contains("input 'b' must have shape 2x3, got 2x2", e.Message);
        e = Assert.Throws<InputMismatchException>(() => executor.Run(new Dictionary<string, Tensor> { ["a"] = ok, ["b"] = Tensor.FromLongs(new long[6], 2, 3) }));
        Assert.Contains("must be float32, got int64", e.Message);
        e = Assert.Throws<InputMismatchException>(() => executor.Run(new Dictionary<string, Tensor> { ["a"] = ok }));
        Assert.Contains("input 'b'", e.Message);
    }
}
