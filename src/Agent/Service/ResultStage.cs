using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using EdgeAgent.Agent.Hosting;
using EdgeAgent.Camera.Serial;
using EdgeAgent.Camera.Processing.Post.Classification;
using EdgeAgent.Camera.Processing.Post.Text;
using EdgeAgent.Telemetry.Drift;
using EdgeAgent.Telemetry.Link;
using EdgeAgent.Telemetry.Metrics;
using EdgeAgent.Telemetry.Wire;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;

namespace EdgeAgent.Agent.Service;

/// <summary>
/// The pipeline's last stage, on its own thread: decodes a frame's output (text boxes, top
/// classes), feeds output confidence to drift, and publishes the result on /results and to the
/// optional JSONL file. It receives frames through a bounded hand-off: when it falls behind,
/// the inference thread waits, and the camera ring (not an unbounded queue) absorbs the delay.
/// </summary>
public sealed class ResultStage : IDisposable
{
    private readonly BlockingCollection<OutputFrame> _free;
    private readonly BlockingCollection<OutputFrame> _ready;
    private readonly AgentOptions _options;
    private readonly DeviceLink _link;
    private readonly ServingState _state;
    private readonly ILogger _log;
    private readonly DbPostprocessor? _text;
    private readonly Ocr.TextLineReader? _lines;
    private readonly StreamWriter? _jsonl;
    private readonly SerialDevice? _serialDevice;
    private readonly SerialResultWriter? _serial;
    private long _published;

    public ResultStage(AgentOptions options, DeviceLink link, ServingState state, ILogger log)
    {
        _options = options;
        _link = link;
        _state = state;
        _log = log;
        int capacity = options.Pipeline.HandoffCapacity;
        _free = new BlockingCollection<OutputFrame>(capacity);
        _ready = new BlockingCollection<OutputFrame>(capacity);
        for (int i = 0; i < capacity; i++) _free.Add(new OutputFrame());
        if (options.Model.Postprocess == "text") _text = new DbPostprocessor(new DbOptions());
        if (_text is not null && options.Model.Recognizer is { Length: > 0 } recognizer)
        {
            // Built here, once, for this device: the served detector can change over the air, the reader stays.
            var clock = Stopwatch.StartNew();
            var factory = new Engines.EngineFactory(options.Engine, options.Model.Preprocess.ToConfig());
            var settings = new Ocr.ProfiledModel.BuildSettings(factory.Backend(options.Engine.Threads), options.Engine.Threads,
                Autotune: options.Engine.Autotune, Progress: step => log.LogInformation("text reader: {Step}", step));
            _lines = Ocr.TextLineReader.Build(options.Model.Classifier is { Length: > 0 } c ? c : null, recognizer, options.Model.DictionaryPath!,
                new Ocr.OcrOptions { UseClassifier = options.Model.Classifier is { Length: > 0 } }, settings);
            log.LogInformation("text reader ready in {Seconds:0.0} s", clock.Elapsed.TotalSeconds);
        }
        if (options.Pipeline.ResultsJsonl is { Length: > 0 } path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            _jsonl = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { AutoFlush = true };
        }
        if (options.Pipeline.SerialDevice is { Length: > 0 } serial)
        {
            _serialDevice = SerialDevice.Open(SerialSettings.Parse(serial, options.Pipeline.SerialSettings), new CameraLog(log));
            _serial = new SerialResultWriter(_serialDevice, ResultTemplate.Parse(options.Pipeline.SerialTemplate));
        }
    }

    /// <summary>Whether frames must carry their camera pixels here (the text in each box is read from them).</summary>
    public bool ReadsText => _lines is not null;

    /// <summary>Result lines written to the serial port.</summary>
    public long SerialLines => _serial?.LinesWritten ?? 0;

    public long Published => Interlocked.Read(ref _published);
    public int Queued => _ready.Count;

    /// <summary>A free buffer for the next frame (waits while the stage is behind).</summary>
    public OutputFrame Rent(CancellationToken cancellationToken) => _free.Take(cancellationToken);

    public void Submit(OutputFrame frame) => _ready.Add(frame);

    public void Run(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var frame in _ready.GetConsumingEnumerable(cancellationToken))
            {
                try
                {
                    Process(frame);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _state.CountError();
                    _log.LogWarning("post-processing frame {Frame} failed: {Error}", frame.FrameId, e.Message);
                }
                finally
                {
                    _free.Add(frame, CancellationToken.None);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Process(OutputFrame frame)
    {
        var result = new Result { FrameId = (ulong)frame.FrameId, Source = _options.Camera.Name, EngineId = frame.EngineId };
        var age = Stopwatch.GetElapsedTime(frame.CaptureTimestamp);
        result.CapturedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow - age);
        double confidence = 0;
        string label = "";
        string? text = null;
        int classId = -1, count = 0;
        if (_text is not null && frame.Shape.Length == 4)
        {
            var boxes = _text.Run(frame.Values, frame.Shape[3], frame.Shape[2], frame.Geometry).ToList();
            var regions = new TextRegions();
            float w = frame.Geometry.SourceWidth, h = frame.Geometry.SourceHeight;
            IReadOnlyList<Ocr.ReadLine>? read = null;
            if (_lines is not null)
            {
                Ocr.OcrCascade.SortForReading(boxes);
                read = _lines.Read(frame.Pixels, frame.Source, boxes);
                text = string.Join(" | ", read.Select(l => l.Text));
            }
            for (int i = 0; i < boxes.Count; i++)
            {
                var box = boxes[i];
                var region = new TextRegion { Score = box.Score, Text = read?[i].Text ?? "" };
                foreach (var c in box.Corners) region.Polygon.Add(new Point { X = Math.Clamp(c.X / w, 0, 1), Y = Math.Clamp(c.Y / h, 0, 1) });
                regions.Items.Add(region);
                confidence = Math.Max(confidence, box.Score);
            }
            result.Text = regions;
            (label, count) = ("text", regions.Items.Count);
        }
        else if (_options.Model.Postprocess == "classification")
        {
            var top = TopK.Compute(frame.Values, Math.Min(5, frame.Length));
            var classification = new Classification();
            foreach (var s in top) classification.Top.Add(new Telemetry.Wire.ClassScore { ClassId = s.ClassId, Label = s.Label ?? "", Score = s.Score });
            result.Classification = classification;
            confidence = top.Count > 0 ? top[0].Score : 0;
            if (top.Count > 0)
                (label, classId, count) = (string.IsNullOrEmpty(top[0].Label) ? top[0].ClassId.ToString(System.Globalization.CultureInfo.InvariantCulture) : top[0].Label!, top[0].ClassId, 1);
        }
        else
        {
            foreach (float v in frame.Values) confidence = Math.Max(confidence, v);
        }
        if (frame.Shadow?.Compare(frame.ShadowInput, frame.Values) is { } shadow) _state.Drift.ObserveShadow(shadow);
        _state.Baselines.Observe(frame.Version, DriftMonitor.Confidence, confidence);
        _state.Drift.ObserveConfidence(confidence);
        _state.Metrics.Record(Stage.EndToEnd, Stopwatch.GetElapsedTime(frame.CaptureTimestamp));

        int every = _options.Pipeline.ResultsEveryNthFrame;
        if (every > 0 && frame.FrameId % every == 0)
        {
            _link.Enqueue(result);
            Interlocked.Increment(ref _published);
        }
        _jsonl?.WriteLine(WireCodec.ToJson(result));
        if (_serial is not null && every > 0 && frame.FrameId % every == 0)
        {
            try
            {
                _serial.Write(new ResultFields(frame.FrameId, label, (float)confidence, classId, Count: count,
                    TimeUnixMs: result.CapturedAt.ToDateTimeOffset().ToUnixTimeMilliseconds(), Text: text));
            }
            catch (IOException e)
            {
                // A disconnected adapter must not stop inference; results still go over MQTT.
                _state.CountError();
                _log.LogWarning("serial result for frame {Frame} not written: {Error}", frame.FrameId, e.Message);
            }
        }
    }

    public void Dispose()
    {
        _lines?.Dispose();
        _jsonl?.Dispose();
        _serialDevice?.Dispose();
        _free.Dispose();
        _ready.Dispose();
    }
}
