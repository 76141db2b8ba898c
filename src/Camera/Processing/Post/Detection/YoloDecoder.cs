using EdgeAgent.Camera.Processing.Pre;

namespace EdgeAgent.Camera.Processing.Post.Detection;

/// <summary>
/// Decodes a YOLO head's output tensor into detections in source-image pixels: threshold,
/// class-aware NMS, then undo the letterbox and clamp to the image. The candidate buffer is
/// reused across frames; only the few final records are allocated.
/// </summary>
public sealed class YoloDecoder
{
    private readonly YoloOptions _options;
    private readonly IReadOnlyList<string>? _labels;
    private Candidate[] _candidates = new Candidate[256];

    public YoloDecoder(YoloOptions options, IReadOnlyList<string>? labels = null)
    {
        options.Validate();
        _options = options;
        _labels = labels;
    }

    public int Stride => _options.ClassCount + (_options.Layout == YoloLayout.V5 ? 5 : 4);

    /// <param name="output">The head's output, [1, boxes, stride] (V5) or [1, stride, boxes] (V8), float32.</param>
    /// <param name="geometry">How the frame was fitted into the model input.</param>
    public IReadOnlyList<Detection> Decode(ReadOnlySpan<float> output, ResizeGeometry geometry)
    {
        int stride = Stride;
        if (output.Length == 0 || output.Length % stride != 0)
            throw new ArgumentException($"YOLO output has {output.Length} values, not a multiple of {stride} (4 box values{(_options.Layout == YoloLayout.V5 ? " + objectness" : "")} + {_options.ClassCount} classes); check ClassCount and Layout", nameof(output));
        int boxes = output.Length / stride;
        int n = 0;
        for (int b = 0; b < boxes; b++)
        {
            // V8 is channel-major: value k of box b lives at k * boxes + b.
            float Value(int k, ReadOnlySpan<float> o) => _options.Layout == YoloLayout.V5 ? o[b * stride + k] : o[k * boxes + b];

            int classBase = _options.Layout == YoloLayout.V5 ? 5 : 4;
            float objectness = _options.Layout == YoloLayout.V5 ? Value(4, output) : 1f;
            if (!(objectness >= _options.ScoreThreshold))
                continue;
            int bestClass = 0;
            float bestScore = float.NegativeInfinity;
            for (int c = 0; c < _options.ClassCount; c++)
            {
                float s = Value(classBase + c, output);
                if (s > bestScore)
                {
                    bestScore = s;
                    bestClass = c;
                }
            }
            float score = objectness * bestScore;
            if (!(score >= _options.ScoreThreshold))
                continue;
            if (n == _candidates.Length)
                Array.Resize(ref _candidates, n * 2);
            _candidates[n++] = new Candidate(
                BoundingBox.FromCenter(Value(0, output), Value(1, output), Value(2, output), Value(3, output)), score, bestClass);
        }

        int kept = Nms.Apply(_candidates.AsSpan(0, n), _options.IouThreshold, _options.MaxDetections, !_options.ClassAgnosticNms);
        var result = new Detection[kept];
        for (int i = 0; i < kept; i++)
        {
            Candidate c = _candidates[i];
            result[i] = new Detection(c.ClassId, LabelOf(c.ClassId), c.Score, ToSource(c.Box, geometry));
        }
        return result;
    }

    private string LabelOf(int id) => _labels is not null && id < _labels.Count ? _labels[id] : $"class {id}";

    private static BoundingBox ToSource(BoundingBox box, ResizeGeometry g)
    {
        var (x1, y1) = g.ToSource(box.X1, box.Y1);
        var (x2, y2) = g.ToSource(box.X2, box.Y2);
        return new BoundingBox(
            Math.Clamp(x1, 0, g.SourceWidth), Math.Clamp(y1, 0, g.SourceHeight),
            Math.Clamp(x2, 0, g.SourceWidth), Math.Clamp(y2, 0, g.SourceHeight));
    }
}
