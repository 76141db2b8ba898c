using EdgeAgent.Engine.Onnx.Proto;
using Google.Protobuf;

namespace EdgeAgent.Engine.Zoo;

/// <summary>
/// Generated ONNX models with random weights from a fixed seed: real architectures to test and
/// benchmark every backend against ONNX Runtime without downloading anything. Opset 17, IR 8.
/// </summary>
public static class ModelZoo
{
    public const int DefaultSeed = 1234;

    public static IReadOnlyList<ZooModel> Models { get; } = Array.AsReadOnly(new ZooModel[]
    {
        new("resnet18", "input", [1, 3, 224, 224], "logits", [1, 1000]),
        new("resnet50", "input", [1, 3, 224, 224], "logits", [1, 1000]),
        new("mobilenetv2", "input", [1, 3, 224, 224], "logits", [1, 1000]),
        new("yolov5s", "images", [1, 3, 640, 640], "output", [1, 25200, 85]),
        new("qdq_convnet", "input", [1, 3, 32, 32], "logits", [1, 10]),
        new("vit_tiny", "input", [1, 3, 224, 224], "logits", [1, 1000]),
        new("mobilevit_s", "input", [1, 3, 128, 128], "logits", [1, 1000]),
    });

    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(Models.Select(m => m.Name).ToArray());

    public static ZooModel Describe(string name) =>
        Models.FirstOrDefault(m => m.Name == name) ?? throw UnknownModel(name);

    public static ModelProto Build(string name, int seed = DefaultSeed) => name switch
    {
        "resnet18" => ResNet.ResNet18(seed),
        "resnet50" => ResNet.ResNet50(seed),
        "mobilenetv2" => MobileNetV2.Build(seed),
        "yolov5s" => YoloV5.Small(seed),
        "qdq_convnet" => QdqConvNet.Build(seed),
        "vit_tiny" => VisionTransformer.Tiny(seed),
        "mobilevit_s" => MobileVit.Small(seed),
        _ => throw UnknownModel(name),
    };

    /// <summary>Writes <c>dir/name.onnx</c> and returns its path.</summary>
    public static string Write(string name, string dir, int seed = DefaultSeed)
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, $"{name}.onnx");
        using var stream = File.Create(path);
        Build(name, seed).WriteTo(stream);
        return path;
    }

    /// <summary>Writes every zoo model into <paramref name="dir"/> (created if missing) and returns the paths in <see cref="Names"/> order.</summary>
    public static IReadOnlyList<string> WriteAll(string dir, int seed = DefaultSeed) =>
        Names.Select(name => Write(name, dir, seed)).ToArray();

    private static EngineUserException UnknownModel(string name) =>
        new($"unknown zoo model '{name}' (known: {string.Join(", ", Names)})");
}
