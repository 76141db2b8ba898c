using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Processing.Post.Text;
using EdgeAgent.Camera.Processing.Pre;

namespace EdgeAgent.Agent.Ocr;

/// <summary>
/// The second half of the cascade: given text boxes in a frame, cuts each line out along its
/// corners in reading order (<see cref="TextLineCrop"/>), turns over the lines the direction
/// classifier finds upside down, and reads every line with the recognizer, batched per input
/// width, decoding with CTC. The service runs it on the boxes of the engine it serves; the
/// <see cref="OcrCascade"/> on its own detector's. One instance per thread.
/// </summary>
public sealed class TextLineReader : IDisposable
{
    private readonly OcrOptions _options;
    private readonly IOcrModel? _classifier;
    private readonly IOcrModel _recognizer;
    private readonly CtcDecoder _decoder;
    private float[] _scratch = [];

    /// <summary>A reader over any runtime's models (<see cref="Build"/> makes one over our engines).</summary>
    public TextLineReader(OcrOptions options, IOcrModel? classifier, IOcrModel recognizer, CtcDecoder decoder)
    {
        options.Validate();
        if (options.UseClassifier != classifier is not null)
            throw new ArgumentException("a classifier model is needed exactly when the options use one", nameof(classifier));
        _options = options;
        _classifier = classifier;
        _recognizer = recognizer;
        _decoder = decoder;
    }

    /// <summary>
    /// Builds the classifier (when <paramref name="classifier"/> is given and the options use one)
    /// and the recognizer, each with a profile over the batches and widths the reader uses.
    /// </summary>
    public static TextLineReader Build(string? classifier, string recognizer, string dictionary, OcrOptions options, ProfiledModel.BuildSettings settings)
    {
        options.Validate();
        var decoder = CtcDecoder.FromDictionary(dictionary);
        int h = options.LineHeight, b = options.MaxBatch, w = options.ClassifierWidth;
        var widths = options.LineWidths.Order().ToArray();
        var lineOptions = classifier is null ? options with { UseClassifier = false } : options;
        var cls = lineOptions.UseClassifier
            ? ProfiledModel.Build(classifier!, "direction classifier", [1, 3, h, w], [1, 3, h, w], [b, 3, h, w], settings)
            : null;
        var rec = ProfiledModel.Build(recognizer, "recognizer", [1, 3, h, widths[0]], [1, 3, h, widths[0]], [b, 3, h, widths[^1]], settings);
        // A dictionary of another recognizer would decode every line into wrong characters: refuse it here, once.
        var outputs = rec.For(1, h, widths[0]).Engine.Outputs;
        if (outputs.Count == 0 || outputs[0].Shape.Length != 3 || outputs[0].Shape[2] != decoder.Classes)
        {
            rec.Dispose();
            (cls as IDisposable)?.Dispose();
            string got = outputs.Count == 0 ? "nothing" : $"[{string.Join("x", outputs[0].Shape)}]";
            throw new Cli.CliUsageException($"recognizer '{recognizer}' outputs {got}; the dictionary '{dictionary}' needs [N x steps x {decoder.Classes}] (blank + {decoder.Classes - 1} characters): they do not belong together");
        }
        return new TextLineReader(lineOptions, cls, rec, decoder);
    }

    /// <summary>Shapes compiled so far by the classifier and the recognizer.</summary>
    public (int Classifier, int Recognizer) CompiledShapes => (ProfiledCount(_classifier), ProfiledCount(_recognizer));

    internal static int ProfiledCount(IOcrModel? model) => model is ProfiledModel profiled ? profiled.Compiled : 0;

    /// <summary>Reads the line in each box, in the boxes' order.</summary>
    public IReadOnlyList<ReadLine> Read(ReadOnlySpan<byte> pixels, FrameGeometry frame, IReadOnlyList<TextBox> boxes, CancellationToken cancellationToken = default)
    {
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
        (_classifier as IDisposable)?.Dispose();
        (_recognizer as IDisposable)?.Dispose();
    }
}
