using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Processing.Post.Text;
using EdgeAgent.Camera.Processing.Pre;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Agent.Ocr;

/// <summary>
/// The PP-OCR cascade: the DB detector finds text boxes in a frame; each box is cut out along
/// its corners and turned to reading order (<see cref="TextLineCrop"/>); the direction
/// classifier turns over lines it finds upside down; the recognizer reads every line, batched
/// per input width, and CTC decoding gives the text. Lines come back top to bottom, left to
/// right. One instance per thread.
/// </summary>
public sealed class OcrCascade : IDisposable
{
    private readonly OcrOptions _options;
    private readonly IOcrModel _detector;
    private readonly IOcrModel? _classifier;
    private readonly IOcrModel _recognizer;
    private readonly CtcDecoder _decoder;
    private readonly DbPostprocessor _db;
    private readonly Dictionary<(int, int), Preprocessor> _detectorInputs = [];
    private float[] _scratch = [];

    /// <summary>A cascade over any runtime's models (<see cref="Build"/> makes one over our engines).</summary>
    public OcrCascade(OcrOptions options, IOcrModel detector, IOcrModel? classifier, IOcrModel recognizer, CtcDecoder decoder)
    {
        options.Validate();
        if (options.UseClassifier != classifier is not null)
            throw new ArgumentException("a classifier model is needed exactly when the options use one", nameof(classifier));
        _options = options;
        _detector = detector;
        _classifier = classifier;
        _recognizer = recognizer;
        _decoder = decoder;
        _db = new DbPostprocessor(options.Detection);
    }

    /// <summary>Builds the three engines for <paramref name="backend"/> (each with a profile over the shapes the reader uses).</summary>
    public static OcrCascade Build(OcrModels models, IBackend backend, OcrOptions options, int threads = 0,
        string? timingCache = null, bool autotune = true, string precision = "fp32", Action<string>? progress = null)
    {
        models.Validate();
        options.Validate();
        var decoder = CtcDecoder.FromDictionary(models.Dictionary);
        int s = options.DetectorSize, h = options.LineHeight, b = options.MaxBatch;
        int narrow = options.LineWidths.Min(), wide = options.LineWidths.Max(), usual = options.LineWidths.Order().First();
        ProfiledModel Make(string path, string role, int[] min, int[] opt, int[] max)
        {
            progress?.Invoke($"building the {role} ({Path.GetFileName(path)})");
            var model = Cli.ModelLoading.Load(path);
            string input = model.Graph.Inputs.Single().Name;
            var profile = new OptimizationProfile([new ShapeRange(input, min, opt, max)]);
            var config = new BuilderConfig
            {
                Backend = backend, Precision = precision, Profiles = [profile], TimingCachePath = timingCache, Threads = threads, Autotune = autotune,
            };
            var result = EngineBuilder.BuildFile(path, config);
            return new ProfiledModel(result.Plan, backend, input, threads);
        }
        var detector = Make(models.Detector, "text detector", [1, 3, 32, 32], [1, 3, s, s], [1, 3, s, s]);
        var classifier = options.UseClassifier
            ? Make(models.Classifier, "direction classifier", [1, 3, h, options.ClassifierWidth], [1, 3, h, options.ClassifierWidth], [b, 3, h, options.ClassifierWidth])
            : null;
        var recognizer = Make(models.Recognizer, "recognizer", [1, 3, h, narrow], [1, 3, h, usual], [b, 3, h, wide]);
        return new OcrCascade(options, detector, classifier, recognizer, decoder);
    }

    /// <summary>Shapes compiled so far by the detector, classifier and recognizer.</summary>
    public (int Detector, int Classifier, int Recognizer) CompiledShapes =>
        (Compiled(_detector), _classifier is null ? 0 : Compiled(_classifier), Compiled(_recognizer));

    private static int Compiled(IOcrModel model) => model is ProfiledModel profiled ? profiled.Compiled : 0;

    /// <summary>Every line of text in the frame.</summary>
    public IReadOnlyList<ReadLine> Read(ReadOnlySpan<byte> pixels, FrameGeometry frame, CancellationToken cancellationToken = default)
    {
        var boxes = Detect(pixels, frame, cancellationToken);
        int n = boxes.Count;
        var quads = new Point2[n][];
        var upsideDown = new bool[n];
        for (int i = 0; i < n; i++)
        {
            quads[i] = new Point2[4];
            TextLineCrop.ReadingOrder(boxes[i].Corners, false, quads[i]);
        }
        if (_classifier is not null) Classify(pixels, frame, quads, upsideDown, cancellationToken);
        var texts = Recognize(pixels, frame, quads, cancellationToken);
        var lines = new ReadLine[n];
        for (int i = 0; i < n; i++) lines[i] = new ReadLine(boxes[i], texts[i].Text, texts[i].Confidence, upsideDown[i]);
        return lines;
    }

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
        var input = Scratch(pre.Config.TensorLength);
        var geometry = pre.Run(pixels, frame, input);
        var map = _detector.Run(input, 1, height, width, out var shape, cancellationToken);
        var boxes = _db.Run(map, shape[^1], shape[^2], geometry).ToList();
        boxes.Sort((a, b) => a.Corners[0].Y != b.Corners[0].Y ? a.Corners[0].Y.CompareTo(b.Corners[0].Y) : a.Corners[0].X.CompareTo(b.Corners[0].X));
        // PaddleOCR's second pass: neighbours on one text row (tops within 10 px) run left to right.
        for (int i = 0; i + 1 < boxes.Count; i++)
            for (int j = i; j >= 0 && Math.Abs(boxes[j + 1].Corners[0].Y - boxes[j].Corners[0].Y) < 10 && boxes[j + 1].Corners[0].X < boxes[j].Corners[0].X; j--)
                (boxes[j], boxes[j + 1]) = (boxes[j + 1], boxes[j]);
        return boxes;
    }

    private void Classify(ReadOnlySpan<byte> pixels, FrameGeometry frame, Point2[][] quads, bool[] upsideDown, CancellationToken cancellationToken)
    {
        int h = _options.LineHeight, w = _options.ClassifierWidth, plane = 3 * h * w;
        for (int start = 0; start < quads.Length; start += _options.MaxBatch)
        {
            int count = Math.Min(_options.MaxBatch, quads.Length - start);
            var batch = Scratch(count * plane);
            for (int i = 0; i < count; i++)
            {
                var quad = quads[start + i];
                TextLineCrop.Write(pixels, frame, quad, TextLineCrop.ContentWidth(quad, h, w), h, w, ChannelOrder.Bgr, batch.Slice(i * plane, plane));
            }
            var scores = _classifier!.Run(batch, count, h, w, out var shape, cancellationToken);
            int classes = shape[^1];
            for (int i = 0; i < count; i++)
            {
                // PP-OCR's classifier: class 0 is upright, class 1 turned by 180 degrees.
                var row = scores.Slice(i * classes, classes);
                if (classes >= 2 && row[1] > row[0] && row[1] > _options.FlipThreshold)
                {
                    upsideDown[start + i] = true;
                    var turned = new Point2[4];
                    for (int k = 0; k < 4; k++) turned[k] = quads[start + i][(k + 2) % 4];
                    quads[start + i] = turned;
                }
            }
        }
    }

    private RecognizedText[] Recognize(ReadOnlySpan<byte> pixels, FrameGeometry frame, Point2[][] quads, CancellationToken cancellationToken)
    {
        int h = _options.LineHeight;
        int[] widths = [.. _options.LineWidths.Order()];
        var results = new RecognizedText[quads.Length];
        var content = new int[quads.Length];
        var bucket = new int[quads.Length];
        for (int i = 0; i < quads.Length; i++)
        {
            content[i] = TextLineCrop.ContentWidth(quads[i], h, widths[^1]);
            bucket[i] = widths.First(w => w >= content[i]);
        }
        foreach (int width in widths)
        {
            var members = Enumerable.Range(0, quads.Length).Where(i => bucket[i] == width).ToArray();
            int plane = 3 * h * width;
            for (int start = 0; start < members.Length; start += _options.MaxBatch)
            {
                int count = Math.Min(_options.MaxBatch, members.Length - start);
                var batch = Scratch(count * plane);
                for (int i = 0; i < count; i++)
                {
                    int line = members[start + i];
                    TextLineCrop.Write(pixels, frame, quads[line], content[line], h, width, ChannelOrder.Bgr, batch.Slice(i * plane, plane));
                }
                var probabilities = _recognizer.Run(batch, count, h, width, out var shape, cancellationToken);
                int steps = shape[1], classes = shape[2];
                if (classes != _decoder.Classes)
                    throw new Cli.CliUsageException($"the recognizer outputs {classes} classes; the character dictionary gives {_decoder.Classes} (blank + characters + space): they do not belong together");
                for (int i = 0; i < count; i++)
                    results[members[start + i]] = _decoder.Decode(probabilities.Slice(i * steps * classes, steps * classes), steps);
            }
        }
        return results;
    }

    private Span<float> Scratch(int length)
    {
        if (_scratch.Length < length) _scratch = new float[length];
        return _scratch.AsSpan(0, length);
    }

    public void Dispose()
    {
        foreach (var model in new[] { _detector, _classifier, _recognizer })
            (model as IDisposable)?.Dispose();
    }
}
