namespace EdgeAgent.Camera.Processing.Post.Classification;

/// <summary>Classification post-processing: optional softmax, then the k best classes with labels.</summary>
public static class TopK
{
    /// <param name="scores">One score (logit or probability) per class.</param>
    /// <param name="labels">Class names by id; ids without a name are called "class N".</param>
    /// <param name="softmax">Convert logits to probabilities first.</param>
    public static IReadOnlyList<ClassScore> Compute(ReadOnlySpan<float> scores, int k, IReadOnlyList<string>? labels = null, bool softmax = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (scores.IsEmpty)
            return [];
        k = Math.Min(k, scores.Length);

        // Keep the best k in a small sorted array: O(n k), and k is small (1–10) in practice.
        Span<int> best = k <= 64 ? stackalloc int[k] : new int[k];
        int count = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            float s = Key(scores[i]);
            if (count == k && s <= Key(scores[best[k - 1]]))
                continue;
            int pos = Math.Min(count, k - 1);
            while (pos > 0 && Key(scores[best[pos - 1]]) < s)
            {
                best[pos] = best[pos - 1];
                pos--;
            }
            best[pos] = i;
            if (count < k)
                count++;
        }

        float max = 0, sum = 1;
        if (softmax)
        {
            max = Key(scores[best[0]]);
            sum = 0;
            foreach (float s in scores)
                sum += float.IsNaN(s) ? 0 : MathF.Exp(s - max);
        }
        var result = new ClassScore[count];
        for (int r = 0; r < count; r++)
        {
            int id = best[r];
            float score = softmax ? MathF.Exp(scores[id] - max) / sum : scores[id];
            result[r] = new ClassScore(id, labels is not null && id < labels.Count ? labels[id] : $"class {id}", score);
        }
        return result;
    }

    // NaN sorts last: a broken output must not become the top class.
    private static float Key(float s) => float.IsNaN(s) ? float.NegativeInfinity : s;
}
