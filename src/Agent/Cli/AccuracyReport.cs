using System.Globalization;
using EdgeAgent.Engine.Backends.Cpu;
using EdgeAgent.Engine.Backends.Reference;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Quantization;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Agent.Cli;

/// <summary>
/// <c>engine compare --data DIR</c>: how far an engine (typically INT8) is from the FP32 model
/// over a folder of real inputs. Per output: cosine similarity and relative L2 error (mean and
/// worst), and the task metric that says whether answers changed: top-1 agreement for
/// classifiers, IoU of the DB text detector's probability maps binarized at 0.3, YOLO box recall
/// at IoU 0.5 after NMS. The task follows from the output's shape unless --task names it.
/// </summary>
public static class AccuracyReport
{
    public static int Run(TextWriter output, string enginePath, string modelPath, string folder, int count, string preprocess, string task,
        string fp32Side, string[] shapeSpecs, string? verifyKey)
    {
        var shapes = TensorArguments.ParseShapes(shapeSpecs);
        var engine = EngineSource.Open(null, enginePath, shapes, verifyKey, "auto", 0, null, autotune: false);
        if (engine.Inputs.Count != 1) throw new CliUsageException($"--data feeds one input; the engine has {engine.Inputs.Count}");
        var input = engine.Inputs[0];
        var data = CalibrationData.Open(folder, input.Name, input.Shape, preprocess, count);
        var inputShapes = new Dictionary<string, TensorShape> { [input.Name] = TensorShape.Of(input.Shape) };

        Func<IReadOnlyDictionary<string, Tensor>, IReadOnlyDictionary<string, Tensor>> expected;
        IDisposable? fp32Context = null;
        if (fp32Side == "cpu")
        {
            var fp32 = EngineBuilder.BuildFile(modelPath, new BuilderConfig { Backend = new CpuBackend(), Autotune = false }, inputShapes).Engine;
            var context = fp32.CreateContext();
            fp32Context = context;
            expected = inputs => context.Run(inputs);
        }
        else
        {
            var reference = OnnxImporter.Load(modelPath);
            ShapeInference.Run(reference, inputShapes, new ReferenceConstantEvaluator());
            var executor = new ReferenceExecutor(reference);
            expected = inputs => executor.Run(inputs);
        }

        using var engineContext = engine.CreateContext();
        var stats = engine.Outputs.Select(o => new OutputStats(o.Name, TaskOf(task, o.Shape))).ToList();
        try
        {
            for (int i = 0; i < data.Count; i++)
            {
                var inputs = data[i];
                var want = expected(inputs);
                var got = engineContext.Run(inputs);
                foreach (var s in stats) s.Add(want[s.Name], got[s.Name]);
            }
        }
        finally
        {
            fp32Context?.Dispose();
        }

        output.WriteLine($"accuracy of {enginePath} vs the FP32 {(fp32Side == "cpu" ? "CPU engine" : "reference")} over {data.Count} inputs from {folder}");
        output.WriteLine($"{"output",-28} {"cosine mean",12} {"cosine min",11} {"rel L2 mean",12} {"rel L2 max",11}  task metric");
        foreach (var s in stats) output.WriteLine(s.Row());
        return 0;
    }

    private enum Task { None, Classification, Db, Yolo }

    private static Task TaskOf(string task, int[] shape) => task switch
    {
        "classification" => Task.Classification,
        "db" => Task.Db,
        "yolo" => Task.Yolo,
        "none" => Task.None,
        _ => shape switch
        {
            [1, >= 2] => Task.Classification,
            [1, 1, > 1, > 1] => Task.Db,
            [1, > 1, >= 6] => Task.Yolo,
            _ => Task.None,
        },
    };

    private sealed class OutputStats(string name, Task task)
    {
        private readonly List<double> _cosine = [], _relL2 = [], _iou = [];
        private int _agree, _boxesExpected, _boxesMatched;

        public string Name => name;

        public void Add(Tensor expected, Tensor actual)
        {
            _cosine.Add(TensorMetrics.Cosine(expected, actual));
            _relL2.Add(TensorMetrics.RelativeL2(expected, actual));
            var e = expected.ToFloats();
            var a = actual.ToFloats();
            switch (task)
            {
                case Task.Classification:
                    int classes = expected.Shape[^1];
                    var we = AccuracyMetrics.ArgMaxRows(e, classes);
                    var wa = AccuracyMetrics.ArgMaxRows(a, classes);
                    for (int i = 0; i < we.Length; i++) if (we[i] == wa[i]) _agree++;
                    break;
                case Task.Db:
                    _iou.Add(AccuracyMetrics.BinarizedIoU(e, a, 0.3f));
                    break;
                case Task.Yolo:
                    var (_, want, matched) = AccuracyMetrics.YoloBoxRecall(e, a, expected.Shape[^1] - 5);
                    _boxesExpected += want;
                    _boxesMatched += matched;
                    break;
            }
        }

        public string Row()
        {
            string metric = task switch
            {
                Task.Classification => $"top-1 agreement {_agree}/{_cosine.Count} ({100.0 * _agree / Math.Max(1, _cosine.Count):F2}%)",
                Task.Db => $"binarized map (0.3) IoU mean {_iou.Average():F4}, min {_iou.Min():F4}",
                Task.Yolo => $"box recall at IoU 0.5 after NMS {_boxesMatched}/{_boxesExpected} ({(_boxesExpected == 0 ? 100 : 100.0 * _boxesMatched / _boxesExpected):F1}%)",
                _ => "-",
            };
            return string.Create(CultureInfo.InvariantCulture,
                $"{(name.Length > 28 ? name[..25] + "..." : name),-28} {_cosine.Average(),12:F6} {_cosine.Min(),11:F6} {_relL2.Average(),12:E3} {_relL2.Max(),11:E3}  {metric}");
        }
    }
}
