namespace EdgeAgent.Engine.Quantization;

/// <summary>
/// Task-level agreement between a quantized engine's outputs and the FP32 reference's on the
/// same input: the numbers that say whether INT8 changed an answer, not just a value. Plain
/// spans in, plain numbers out, so the agent's `engine compare` and the tests share them
/// (the Engine references neither the camera's post-processing nor anything above it).
/// </summary>
public static class AccuracyMetrics
{
    /// <summary>Index of the largest value of each row of <paramref name="rowLength"/> values.</summary>
    public static int[] ArgMaxRows(ReadOnlySpan<float> scores, int rowLength)
    {
        if (rowLength < 1 || scores.Length % rowLength != 0) throw new ArgumentException($"{scores.Length} scores do not split into rows of {rowLength}");
        var result = new int[scores.Length / rowLength];
        for (int r = 0; r < result.Length; r++)
        {
            var row = scores.Slice(r * rowLength, rowLength);
            int best = 0;
            for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
            result[r] = best;
        }
        return result;
    }

    /// <summary>
    /// IoU of the two maps binarized at <paramref name="threshold"/> (the DB text detector's
    /// probability map at 0.3, as its post-processing cuts it); 1 when both are empty.
    /// </summary>
    public static double BinarizedIoU(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float threshold = 0.3f)
    {
        if (expected.Length != actual.Length) throw new ArgumentException("maps differ in size");
        long both = 0, either = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            bool e = expected[i] > threshold, a = actual[i] > threshold;
            if (e && a) both++;
            if (e || a) either++;
        }
        return either == 0 ? 1.0 : (double)both / either;
    }

    /// <summary>
    /// Of the boxes the reference keeps (YOLOv5 rows [cx, cy, w, h, objectness, classes...],
    /// score = objectness · class score over <paramref name="scoreThreshold"/>, class-aware NMS at
    /// <paramref name="nmsIoU"/>), the fraction the quantized output also keeps with the same class
    /// and IoU ≥ <paramref name="matchIoU"/>; 1 when the reference keeps none. Also the counts.
    /// </summary>
    public static (double Recall, int Expected, int Matched) YoloBoxRecall(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, int classes,
        float scoreThreshold = 0.25f, float nmsIoU = 0.45f, float matchIoU = 0.5f)
    {
        var want = YoloBoxes(expected, classes, scoreThreshold, nmsIoU);
        var got = YoloBoxes(actual, classes, scoreThreshold, nmsIoU);
        var used = new bool[got.Count];
        int matched = 0;
        foreach (var e in want)
        {
            int best = -1;
            double bestIoU = matchIoU;
            for (int j = 0; j < got.Count; j++)
            {
                if (used[j] || got[j].Class != e.Class) continue;
                double iou = IoU(e, got[j]);
                if (iou >= bestIoU) { bestIoU = iou; best = j; }
            }
            if (best >= 0) { used[best] = true; matched++; }
        }
        return (want.Count == 0 ? 1.0 : (double)matched / want.Count, want.Count, matched);
    }

    public readonly record struct Box(float X1, float Y1, float X2, float Y2, float Score, int Class);

    /// <summary>YOLOv5 rows decoded and reduced by class-aware greedy NMS, highest score first.</summary>
    public static List<Box> YoloBoxes(ReadOnlySpan<float> rows, int classes, float scoreThreshold, float nmsIoU)
    {
        int stride = classes + 5;
        if (rows.Length % stride != 0) throw new ArgumentException($"{rows.Length} values do not split into YOLO rows of {stride}");
        var candidates = new List<Box>();
        for (int r = 0; r < rows.Length / stride; r++)
        {
            var row = rows.Slice(r * stride, stride);
            int best = 0;
            for (int c = 1; c < classes; c++) if (row[5 + c] > row[5 + best]) best = c;
            float score = row[4] * row[5 + best];
            if (!(score > scoreThreshold)) continue;
            float cx = row[0], cy = row[1], w = row[2], h = row[3];
            candidates.Add(new Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, score, best));
        }
        candidates.Sort((a, b) => b.Score.CompareTo(a.Score));
        var kept = new List<Box>();
        foreach (var c in candidates)
            if (!kept.Any(k => k.Class == c.Class && IoU(k, c) > nmsIoU)) kept.Add(c);
        return kept;
    }

    public static double IoU(in Box a, in Box b)
    {
        float w = MathF.Min(a.X2, b.X2) - MathF.Max(a.X1, b.X1), h = MathF.Min(a.Y2, b.Y2) - MathF.Max(a.Y1, b.Y1);
        if (w <= 0 || h <= 0) return 0;
        double inter = (double)w * h;
        double union = (double)(a.X2 - a.X1) * (a.Y2 - a.Y1) + (double)(b.X2 - b.X1) * (b.Y2 - b.Y1) - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
