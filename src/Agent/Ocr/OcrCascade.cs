using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Processing.Post.Text;
using EdgeAgent.Camera.Processing.Pre;

namespace EdgeAgent.Agent.Ocr;

/// <summary>
/// The PP-OCR cascade: the DB detector finds text boxes in a frame, and a
/// <see cref="TextLineReader"/> turns and reads the line in each. Lines come back top to bottom,
/// left to right. One instance per thread.
/// </summary>
public sealed class OcrCascade : IDisposable
{
    private readonly OcrOptions _options;
    private readonly IOcrModel _detector;
    private readonly TextLineReader _lines;
    private readonly DbPostprocessor _db;
    private readonly Dictionary<(int, int), Preprocessor> _detectorInputs = [];
    private float[] _input = [];

    /// <summary>A cascade over any runtime's detector (<see cref="Build"/> makes one over our engines).</summary>
    public OcrCascade(OcrOptions options, IOcrModel detector, TextLineReader lines)
    {
        options.Validate();
        _options = options;
        _detector = detector;
        _lines = lines;
        _db = new DbPostprocessor(options.Detection);
    }

    /// <summary>Builds the three engines (each with a profile over the shapes the cascade uses).</summary>
    public static OcrCascade Build(OcrModels models, OcrOptions options, ProfiledModel.BuildSettings settings)
    {
        models.Validate();
        options.Validate();
        int s = options.DetectorSize;
        var detector = ProfiledModel.Build(models.Detector, "text detector", [1, 3, 32, 32], [1, 3, s, s], [1, 3, s, s], settings);
        var lines = TextLineReader.Build(models.Classifier, models.Recognizer, models.Dictionary, options, settings);
        return new OcrCascade(options, detector, lines);
    }

    /// <summary>Shapes compiled so far by the detector, classifier and recognizer.</summary>
    public (int Detector, int Classifier, int Recognizer) CompiledShapes =>
        (TextLineReader.ProfiledCount(_detector), _lines.CompiledShapes.Classifier, _lines.CompiledShapes.Recognizer);

    /// <summary>Every line of text in the frame.</summary>
    public IReadOnlyList<ReadLine> Read(ReadOnlySpan<byte> pixels, FrameGeometry frame, CancellationToken cancellationToken = default) =>
        _lines.Read(pixels, frame, Detect(pixels, frame, cancellationToken), cancellationToken);

    /// <summary>The detector's boxes in reading order: by top edge, and left to right within 10 pixels of height.</summary>
    private List<TextBox> Detect(ReadOnlySpan<byte> pixels, FrameGeometry frame, CancellationToken cancellationToken)
    {
        // The longer side goes to the detector size, both sides to multiples of 32 (the DB network's stride).
        float scale = (float)_options.DetectorSize / Math.Max(frame.Width, frame.Height);
        int width = Math.Clamp((int)MathF.Round(frame.Width * scale / 32) * 32, 32, _options.DetectorSize);
        int height = Math.Clamp((int)MathF.Round(frame.Height * scale / 32) * 32, 32, _options.DetectorSize);
        if (!_detectorInputs.TryGetValue((width, height), out var pre))
        {
            pre = new Preprocessor(PreprocessConfig.ImageNet() with { Width = width, Height = height, Channels = ChannelOrder.Bgr });
            _detectorInputs[(width, height)] = pre;
        }
        if (_input.Length < pre.Config.TensorLength) _input = new float[pre.Config.TensorLength];
        var input = _input.AsSpan(0, pre.Config.TensorLength);
        var geometry = pre.Run(pixels, frame, input);
        var map = _detector.Run(input, 1, height, width, out var shape, cancellationToken);
        var boxes = _db.Run(map, shape[^1], shape[^2], geometry).ToList();
        SortForReading(boxes);
        return boxes;
    }

    /// <summary>By the top-left corner's height, then PaddleOCR's second pass: neighbours on one row (tops within 10 px) run left to right.</summary>
    public static void SortForReading(List<TextBox> boxes)
    {
        boxes.Sort((a, b) => a.Corners[0].Y != b.Corners[0].Y ? a.Corners[0].Y.CompareTo(b.Corners[0].Y) : a.Corners[0].X.CompareTo(b.Corners[0].X));
        for (int i = 0; i + 1 < boxes.Count; i++)
            for (int j = i; j >= 0 && Math.Abs(boxes[j + 1].Corners[0].Y - boxes[j].Corners[0].Y) < 10 && boxes[j + 1].Corners[0].X < boxes[j].Corners[0].X; j--)
                (boxes[j], boxes[j + 1]) = (boxes[j + 1], boxes[j]);
    }

    public void Dispose()
    {
        (_detector as IDisposable)?.Dispose();
        _lines.Dispose();
    }
}
