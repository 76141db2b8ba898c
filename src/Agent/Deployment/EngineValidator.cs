using System.Diagnostics;
using EdgeAgent.Agent.Pipeline;
using EdgeAgent.Agent.Service;
using EdgeAgent.Camera.Processing.Pre;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Agent.Deployment;

/// <summary>What validation asks of a candidate engine.</summary>
public sealed record ValidationRules(int Frames, double MinCosine, double LatencyBudgetMs);

/// <summary>What validation found: pass or the reason, and the numbers behind it.</summary>
public sealed record ValidationOutcome(bool Passed, string Reason, int Frames, double P99Ms, double? MinCosine);

/// <summary>
/// Runs a candidate engine on golden frames (recent camera frames) before it may serve: its
/// outputs must be finite, agree with the engine serving now (cosine similarity, when a minimum
/// is asked for and the outputs have the same size), and its latency must fit the budget. The
/// current engine runs in a context of its own, so the live loop is not disturbed.
/// </summary>
public static class EngineValidator
{
    public static ValidationOutcome Validate(LoadedEngine candidate, InferenceEngine? current, PreprocessConfig preprocess,
        IReadOnlyList<GoldenFrame> frames, ValidationRules rules, CancellationToken cancellationToken)
    {
        if (frames.Count == 0)
            frames = [Gray(preprocess.Width, preprocess.Height)]; // no camera frame yet: a neutral picture still proves the engine runs
        var times = new List<double>();
        double? minCosine = null;
        using var reference = current is not null && rules.MinCosine > 0 ? current.CreateContext(1) : null;
        var referencePre = reference is null ? null : new Preprocessor(preprocess);
        foreach (var frame in frames.Take(rules.Frames))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var context = candidate.Context;
            candidate.Preprocessor.Run(frame.Pixels, frame.Geometry, context.Input<float>(0));
            long t0 = Stopwatch.GetTimestamp();
            context.Execute(cancellationToken);
            times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            var output = context.Output<float>(0);
            foreach (float v in output)
                if (!float.IsFinite(v)) return new ValidationOutcome(false, "candidate produced non-finite outputs on a golden frame", times.Count, 0, null);
            if (reference is not null && referencePre is not null)
            {
                referencePre.Run(frame.Pixels, frame.Geometry, reference.Input<float>(0));
                reference.Execute(cancellationToken);
                var expected = reference.Output<float>(0);
                if (expected.Length != output.Length)
                    return new ValidationOutcome(false, $"candidate output has {output.Length} values, the current engine {expected.Length}", times.Count, 0, null);
                double cosine = Cosine(output, expected);
                minCosine = Math.Min(minCosine ?? 1, cosine);
            }
        }
        times.Sort();
        double p99 = times[Math.Min(times.Count - 1, (int)Math.Ceiling(times.Count * 0.99) - 1)];
        if (minCosine is { } c && c < rules.MinCosine)
            return new ValidationOutcome(false, $"cosine similarity to the current engine {c:0.####} is below {rules.MinCosine:0.####}", times.Count, p99, c);
        if (rules.LatencyBudgetMs > 0 && p99 > rules.LatencyBudgetMs)
            return new ValidationOutcome(false, $"p99 latency {p99:0.#} ms on {times.Count} golden frames exceeds the {rules.LatencyBudgetMs:0.#} ms budget", times.Count, p99, minCosine);
        return new ValidationOutcome(true, "", times.Count, p99, minCosine);
    }

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        if (na == 0 && nb == 0) return 1;
        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }

    private static GoldenFrame Gray(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        pixels.AsSpan().Fill(128);
        return new GoldenFrame(pixels, new Camera.Frames.FrameGeometry(width, height, Camera.Frames.PixelFormat.Rgb24));
    }
}
