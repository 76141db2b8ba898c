namespace EdgeAgent.Telemetry.Drift;

/// <summary>An axis-aligned box in normalized coordinates with its class.</summary>
public readonly record struct DetectionBox(float XMin, float YMin, float XMax, float YMax, int ClassId)
{
    public float Area => Math.Max(0, XMax - XMin) * Math.Max(0, YMax - YMin);

    public float IoU(DetectionBox other)
    {
        float w = Math.Min(XMax, other.XMax) - Math.Max(XMin, other.XMin);
        float h = Math.Min(YMax, other.YMax) - Math.Max(YMin, other.YMin);
        if (w <= 0 || h <= 0) return 0;
        float intersection = w * h;
        float union = Area + other.Area - intersection;
        return union > 0 ? intersection / union : 0;
    }
}

/// <summary>
/// How far the deployed engine's outputs are from the reference engine's on the same frame.
/// The engine is not referenced: outputs come in as plain spans.
/// </summary>
public static class ShadowComparison
{
    /// <summary>1 for identical direction; two all-zero outputs count as identical.</summary>
    public static double CosineSimilarity(ReadOnlySpan<float> candidate, ReadOnlySpan<float> reference)
    {
        if (candidate.Length != reference.Length) throw new ArgumentException("outputs differ in length");
        double dot = 0, a2 = 0, b2 = 0;
        for (int i = 0; i < candidate.Length; i++)
        {
            double a = candidate[i], b = reference[i];
            dot += a * b;
            a2 += a * a;
            b2 += b * b;
        }
        if (a2 == 0 && b2 == 0) return 1;
        if (a2 == 0 || b2 == 0 || double.IsNaN(dot)) return 0;
        return Math.Clamp(dot / Math.Sqrt(a2 * b2), -1, 1);
    }

    public static int ArgMax(ReadOnlySpan<float> scores)
    {
        if (scores.IsEmpty) throw new ArgumentException("no scores");
        int best = 0;
        for (int i = 1; i < scores.Length; i++)
            if (scores[i] > scores[best]) best = i;
        return best;
    }

    public static bool Top1Agrees(ReadOnlySpan<float> candidate, ReadOnlySpan<float> reference) => ArgMax(candidate) == ArgMax(reference);

    /// <summary>Fraction of reference boxes matched one-to-one by a candidate box of the same class at IoU ≥ threshold.</summary>
    public static double BoxRecall(ReadOnlySpan<DetectionBox> candidate, ReadOnlySpan<DetectionBox> reference, float iouThreshold = 0.5f)
    {
        if (reference.IsEmpty) return 1;
        Span<bool> used = candidate.Length <= 512 ? stackalloc bool[candidate.Length] : new bool[candidate.Length];
        int matched = 0;
        foreach (var r in reference)
        {
            int best = -1;
            float bestIoU = iouThreshold;
            for (int i = 0; i < candidate.Length; i++)
            {
                if (used[i] || candidate[i].ClassId != r.ClassId) continue;
                float iou = candidate[i].IoU(r);
                if (iou >= bestIoU)
                {
                    bestIoU = iou;
                    best = i;
                }
            }
            if (best < 0) continue;
            used[best] = true;
            matched++;
        }
        return (double)matched / reference.Length;
    }

    /// <summary>IoU of the two probability maps after thresholding (text detection); two empty maps agree fully.</summary>
    public static double BinarizedMapIoU(ReadOnlySpan<float> candidate, ReadOnlySpan<float> reference, float threshold = 0.3f)
    {
        if (candidate.Length != reference.Length) throw new ArgumentException("maps differ in size");
        long intersection = 0, union = 0;
        for (int i = 0; i < candidate.Length; i++)
        {
            bool a = candidate[i] > threshold, b = reference[i] > threshold;
            if (a && b) intersection++;
            if (a || b) union++;
        }
        return union == 0 ? 1 : (double)intersection / union;
    }
}
