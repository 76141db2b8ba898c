using System.Diagnostics;
using EdgeAgent.Agent.Tests.Cli;

namespace EdgeAgent.Agent.Tests.Ocr;

/// <summary>
/// The validation scenes scripts/render-calib.sh draws (rendered here when missing) and the
/// text it drew in each (labels.tsv), with the character error rate used to score readers.
/// </summary>
internal static class RenderedScenes
{
    private static readonly Lazy<string> Root = new(Render, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Folder(string kind) => Path.Combine(Root.Value, kind, "val");

    /// <summary>The first <paramref name="count"/> scenes of a folder in name order, with the lines drawn in each.</summary>
    public static IReadOnlyList<(string File, string[] Lines)> Take(string kind, int count) =>
        File.ReadAllLines(Path.Combine(Folder(kind), "labels.tsv"))
            .Select(l => l.Split('\t'))
            .OrderBy(f => f[0], StringComparer.Ordinal)
            .Take(count)
            .Select(f => (Path.Combine(Folder(kind), f[0]), f[1].Split('|')))
            .ToList();

    /// <summary>Edits (insert, delete, substitute) that turn <paramref name="read"/> into <paramref name="truth"/>.</summary>
    public static int EditDistance(string read, string truth)
    {
        var row = new int[truth.Length + 1];
        for (int j = 0; j <= truth.Length; j++) row[j] = j;
        for (int i = 1; i <= read.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= truth.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(above + 1, row[j - 1] + 1), diagonal + (read[i - 1] == truth[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[truth.Length];
    }

    /// <summary>Character error rate over scenes: edits over characters of truth, lines joined by newlines; spaces dropped when asked.</summary>
    public static double Cer(IEnumerable<(IEnumerable<string> Read, IEnumerable<string> Truth)> scenes, bool ignoreSpaces)
    {
        long edits = 0, characters = 0;
        foreach (var (read, truth) in scenes)
        {
            string r = string.Join('\n', read), t = string.Join('\n', truth);
            if (ignoreSpaces) (r, t) = (r.Replace(" ", ""), t.Replace(" ", ""));
            edits += EditDistance(r, t);
            characters += t.Length;
        }
        return (double)edits / characters;
    }

    private static string Render()
    {
        string root = Path.Combine(CliRunner.RepositoryRoot, ".cache", "calib");
        if (File.Exists(Path.Combine(root, "det", "val", "labels.tsv")) && File.Exists(Path.Combine(root, "cls", "val", "labels.tsv"))) return root;
        var psi = new ProcessStartInfo(Path.Combine(CliRunner.RepositoryRoot, "scripts", "render-calib.sh"), "300")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"scripts/render-calib.sh failed: {stdout}{stderr.Result}");
        return root;
    }
}
