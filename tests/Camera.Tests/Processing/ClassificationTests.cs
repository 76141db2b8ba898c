using EdgeAgent.Camera.Processing.Post.Classification;

namespace EdgeAgent.Camera.Tests.Processing;

public class ClassificationTests
{
    private static readonly string[] Labels = ["cat", "dog", "bird", "fish"];

    [Fact]
    public void Top_k_orders_by_score_with_labels()
    {
        var top = TopK.Compute([0.1f, 0.7f, 0.05f, 0.15f], 3, Labels);
        Assert.Equal([("dog", 0.7f), ("fish", 0.15f), ("cat", 0.1f)], top.Select(t => (t.Label, t.Score)));
        Assert.Equal([1, 3, 0], top.Select(t => t.ClassId));
    }

    [Fact]
    public void Softmax_turns_logits_into_probabilities()
    {
        float[] logits = [1f, 3f, 2f, 0f];
        var all = TopK.Compute(logits, 10, Labels, softmax: true);
        Assert.Equal(4, all.Count);
        Assert.Equal(1.0, all.Sum(t => (double)t.Score), 1e-5);
        double denom = logits.Sum(l => Math.Exp(l));
        Assert.Equal(Math.Exp(3) / denom, all[0].Score, 1e-5);
        Assert.Equal("dog", all[0].Label);
    }

    [Fact]
    public void Missing_labels_and_nan_scores_are_handled()
    {
        var top = TopK.Compute([float.NaN, 0.2f, 0.9f, 0.3f, 0.1f], 2, ["a", "b"]);
        Assert.Equal(["class 2", "class 3"], top.Select(t => t.Label));
        Assert.Empty(TopK.Compute([], 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => TopK.Compute([1f], 0));
    }

    [Fact]
    public void Top_k_agrees_with_a_full_sort()
    {
        var rng = new Random(4);
        float[] scores = Enumerable.Range(0, 1000).Select(_ => (float)rng.NextDouble()).ToArray();
        var expected = scores.Select((s, i) => (s, i)).OrderByDescending(p => p.s).Take(5).Select(p => p.i);
        Assert.Equal(expected, TopK.Compute(scores, 5).Select(t => t.ClassId));
    }

    [Fact]
    public void Label_lists_parse_and_reject_gaps()
    {
        Assert.Equal(["cat", "dog"], LabelList.Parse("cat\r\ndog\n\n"));
        Assert.Contains("line 2 is empty", Assert.Throws<CameraConfigException>(() => LabelList.Parse("cat\n\ndog")).Message);
        Assert.Contains("no labels", Assert.Throws<CameraConfigException>(() => LabelList.Parse("\n\n")).Message);
        Assert.Contains("does not exist", Assert.Throws<CameraConfigException>(() => LabelList.Load("/nonexistent/labels.txt")).Message);
    }
}
