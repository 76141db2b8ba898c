namespace EdgeAgent.Camera.Processing.Post.Detection;

/// <summary>A decoded box before suppression.</summary>
public record struct Candidate(BoundingBox Box, float Score, int ClassId);

/// <summary>
/// Greedy non-maximum suppression: best score first, drop every later box that overlaps a kept
/// one by more than the IoU threshold. Class-aware by default: a person does not suppress the
/// bicycle they stand beside.
/// </summary>
public static class Nms
{
    /// <summary>Sorts <paramref name="candidates"/> in place and moves the survivors to its front; returns their count.</summary>
    public static int Apply(Span<Candidate> candidates, float iouThreshold, int maxKept, bool classAware = true)
    {
        candidates.Sort(static (a, b) => b.Score.CompareTo(a.Score));
        int kept = 0;
        for (int i = 0; i < candidates.Length && kept < maxKept; i++)
        {
            Candidate c = candidates[i];
            bool suppressed = false;
            for (int j = 0; j < kept; j++)
            {
                if ((!classAware || candidates[j].ClassId == c.ClassId) && candidates[j].Box.IoU(c.Box) > iouThreshold)
                {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed)
                candidates[kept++] = c;
        }
        return kept;
    }
}
