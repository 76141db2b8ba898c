using System.Collections;
using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Processing.Pre;
using EdgeAgent.Engine;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Agent.Cli;

/// <summary>
/// A folder of calibration (or validation) inputs for one model input, read lazily, one file per
/// input set: <c>.npy</c> tensors as they are, images (jpg, png, bmp, ppm) decoded by ffmpeg and
/// pre-processed the way the camera loop does it (<see cref="Preprocessor"/>: resize or letterbox,
/// channel order, scale, mean, std). Files are taken in name order, so a build is repeatable.
/// Only this agent layer touches images; the Engine receives tensors.
/// </summary>
public sealed class CalibrationData : IReadOnlyList<IReadOnlyDictionary<string, Tensor>>
{
    private readonly string[] _files;
    private readonly string _input;
    private readonly int[] _shape;
    private readonly Preprocessor? _preprocessor;

    private CalibrationData(string[] files, string input, int[] shape, Preprocessor? preprocessor)
    {
        _files = files;
        _input = input;
        _shape = shape;
        _preprocessor = preprocessor;
    }

    public IReadOnlyList<string> Files => _files;

    /// <param name="shape">The input's build shape, [1, 3, H, W] for images.</param>
    /// <param name="preprocess">A preset name (<see cref="Presets"/>) or a PreprocessConfig JSON file; its size is replaced by the input's.</param>
    public static CalibrationData Open(string directory, string input, int[] shape, string preprocess, int count)
    {
        if (!Directory.Exists(directory)) throw new CliUsageException($"calibration folder '{directory}' does not exist");
        var all = Directory.GetFiles(directory).Where(f => ImageFile.IsImage(f) || f.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToArray();
        if (all.Length == 0) throw new CliUsageException($"calibration folder '{directory}' holds no .npy or image files (jpg, png, bmp, ppm)");
        var files = count > 0 ? all.Take(count).ToArray() : all;
        Preprocessor? preprocessor = null;
        if (files.Any(ImageFile.IsImage))
        {
            if (shape.Length != 4 || shape[0] != 1 || shape[1] != 3)
                throw new CliUsageException($"images calibrate a [1, 3, H, W] input; '{input}' is [{string.Join(", ", shape)}] (give .npy files instead)");
            preprocessor = new Preprocessor(Preset(preprocess) with { Width = shape[3], Height = shape[2] });
        }
        return new CalibrationData(files, input, shape, preprocessor);
    }

    public static readonly IReadOnlyList<string> Presets = ["imagenet", "yolo", "ppocr", "ppocr-cls", "unit"];

    /// <summary>The pre-processing a preset names, or the one a JSON file holds.</summary>
    public static PreprocessConfig Preset(string name) => name switch
    {
        "imagenet" => PreprocessConfig.ImageNet(),
        "yolo" => PreprocessConfig.Yolo(),
        // PaddleOCR reads images as BGR and normalizes with ImageNet statistics in that order.
        "ppocr" => PreprocessConfig.ImageNet() with { Channels = ChannelOrder.Bgr },
        "ppocr-cls" => new PreprocessConfig { Resize = ResizeMode.Stretch, Channels = ChannelOrder.Bgr, Mean = [0.5f, 0.5f, 0.5f], Std = [0.5f, 0.5f, 0.5f] },
        "unit" => new PreprocessConfig { Resize = ResizeMode.Stretch },
        _ when File.Exists(name) => PreprocessConfig.FromJson(File.ReadAllText(name)),
        _ => throw new CliUsageException($"--calib-preprocess '{name}' is neither a preset ({string.Join(", ", Presets)}) nor a PreprocessConfig JSON file"),
    };

    public int Count => _files.Length;

    public IReadOnlyDictionary<string, Tensor> this[int index] => new Dictionary<string, Tensor> { [_input] = Load(_files[index]) };

    public IEnumerator<IReadOnlyDictionary<string, Tensor>> GetEnumerator()
    {
        for (int i = 0; i < _files.Length; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private Tensor Load(string file)
    {
        if (!ImageFile.IsImage(file))
        {
            var tensor = NpyFile.Read(file);
            if (tensor.Type != DataType.Float32 || !tensor.Shape.AsSpan().SequenceEqual(_shape))
                throw new CliUsageException($"calibration file '{file}' holds {tensor}; input '{_input}' needs float32[{string.Join("x", _shape)}]");
            return tensor;
        }
        var (pixels, width, height) = ImageFile.Decode(file);
        var data = new float[Engine.Tensors.Tensor.ElementCount(_shape)];
        _preprocessor!.Run(pixels, new FrameGeometry(width, height, PixelFormat.Rgb24), data);
        return Tensor.FromFloats(data, _shape);
    }
}
