using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Oracle;
using EdgeAgent.Engine.Tests.Zoo;

namespace EdgeAgent.Engine.Tests.Reference;

/// <summary>The golden reference must agree with ONNX Runtime on real and generated models.</summary>
public sealed class ReferenceVsOrtTests(ZooFixture zoo, ITestOutputHelper output) : IClassFixture<ZooFixture>
{
    private const double Tolerance = 1e-4;

    /// <summary>
    /// The detector ends in a Sigmoid, and ONNX Runtime's vectorized sigmoid has an absolute
    /// error near 1e-7. On pure noise every output is below 1e-4, so that error alone would be
    /// a relative error of 1e-2; a random document image puts the outputs across [0, 1].
    /// </summary>
    [Theory]
    [InlineData(640, 640)]
    [InlineData(480, 800)]
    public void OcrDetectorMatchesOrt(int height, int width)
    {
        var random = new Random(TestModels.NewSeed(output));
        Compare(TestModels.OcrDetector, "x", TestModels.RandomDocument(random, height, width));
    }

    [Fact]
    public void OcrDirectionClassifierMatchesOrt() => Compare(TestModels.OcrClassifier, "x", [1, 3, 48, 192]);

    [Fact]
    public void OcrRecognizerMatchesOrt() => Compare(TestModels.OcrRecognizer, "x", [1, 3, 48, 320]);

    [Theory]
    [InlineData("resnet50", "input", new[] { 1, 3, 224, 224 })]
    [InlineData("mobilenetv2", "input", new[] { 1, 3, 224, 224 })]
    [InlineData("yolov5s", "images", new[] { 1, 3, 640, 640 })]
    public void ZooModelMatchesOrt(string name, string input, int[] shape) => Compare(zoo.PathOf(name), input, shape);

    private void Compare(string modelPath, string inputName, int[] shape) =>
        Compare(modelPath, inputName, TestModels.RandomTensor(new Random(TestModels.NewSeed(output)), shape));

    private void Compare(string modelPath, string inputName, Tensor input)
    {
        var inputs = new Dictionary<string, Tensor> { [inputName] = input };
        var model = TestModels.Load(modelPath, (inputName, input.Shape));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var ours = new ReferenceExecutor(model).Run(inputs);
        output.WriteLine($"reference executor: {clock.ElapsedMilliseconds} ms");
        var theirs = OrtOracle.Run(modelPath, inputs);
        Assert.Equal(theirs.Keys.Order(), ours.Keys.Order());
        foreach (var (name, expected) in theirs)
        {
            output.WriteLine($"{name}: rel L2 {TensorAssert.RelativeL2(expected, ours[name]):E2}, cosine {TensorAssert.Cosine(expected, ours[name]):F7}");
            TensorAssert.AssertClose(expected, ours[name], Tolerance, $"{Path.GetFileName(modelPath)} output '{name}'");
        }
    }
}
