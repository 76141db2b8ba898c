using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Oracle;

namespace EdgeAgent.Engine.Tests;

/// <summary>The real PaddleOCR models fetched by scripts/fetch-models.sh, and helpers to load and feed models.</summary>
public static class TestModels
{
    /// <summary>EDGEAGENT_TEST_MODELS where set (published tests on a machine without the repository), else .cache/models.</summary>
    public static string ModelsDirectory =>
        Environment.GetEnvironmentVariable("EDGEAGENT_TEST_MODELS") is { Length: > 0 } dir ? dir : Path.Combine(OrtOracle.RepositoryRoot, ".cache", "models");
    public static string OcrDetector => Require("ch_PP-OCRv4_det_infer.onnx");
    public static string OcrClassifier => Require("ch_ppocr_mobile_v2.0_cls_infer.onnx");
    public static string OcrRecognizer => Require("ch_PP-OCRv4_rec_infer.onnx");

    private static string Require(string file)
    {
        string path = Path.Combine(ModelsDirectory, file);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing: run ./scripts/fetch-models.sh (scripts/test.sh does)");
        return path;
    }

    /// <summary>Loads a model and infers shapes with the given input shapes.</summary>
    public static Model Load(string path, params (string Name, int[] Shape)[] inputShapes)
    {
        var model = OnnxImporter.Load(path);
        ShapeInference.Run(model, inputShapes.ToDictionary(s => s.Name, s => TensorShape.Of(s.Shape)), new ReferenceConstantEvaluator());
        return model;
    }

    /// <summary>Uniform random float32 in [-1, 1).</summary>
    public static Tensor RandomTensor(Random random, params int[] shape)
    {
        var data = new float[Tensor.ElementCount(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return Tensor.FromFloats(data, shape);
    }

    /// <summary>
    /// A random document-like image (dark text-like strokes on a light, noisy page), normalized
    /// with ImageNet mean/std as PaddleOCR preprocessing does, as N x 3 x H x W float32. Text
    /// detectors give probabilities across [0, 1] on it, unlike on pure noise.
    /// </summary>
    public static Tensor RandomDocument(Random random, int height, int width)
    {
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        var page = new float[height * width];
        float background = 0.75f + 0.25f * (float)random.NextDouble();
        Array.Fill(page, background);
        int strokes = 20 + random.Next(40);
        for (int s = 0; s < strokes; s++)
        {
            int h = 6 + random.Next(24), w = 10 + random.Next(Math.Max(11, width / 3));
            int top = random.Next(Math.Max(1, height - h)), left = random.Next(Math.Max(1, width - w));
            float ink = 0.3f * (float)random.NextDouble();
            for (int y = top; y < Math.Min(height, top + h); y++)
                for (int x = left; x < Math.Min(width, left + w); x++)
                    page[y * width + x] = ink;
        }
        var data = new float[3 * height * width];
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < page.Length; i++)
                data[c * page.Length + i] = (page[i] + 0.05f * (float)(random.NextDouble() * 2 - 1) - mean[c]) / std[c];
        return Tensor.FromFloats(data, 1, 3, height, width);
    }

    /// <summary>A fresh seed per run, printed so a failure can be reproduced.</summary>
    public static int NewSeed(ITestOutputHelper output)
    {
        int seed = Environment.GetEnvironmentVariable("EDGEAGENT_TEST_SEED") is { } s && int.TryParse(s, out int fixedSeed)
            ? fixedSeed : Random.Shared.Next();
        output.WriteLine($"seed {seed} (set EDGEAGENT_TEST_SEED={seed} to repeat)");
        return seed;
    }
}
