namespace EdgeAgent.Camera.Processing.Post.Classification;

/// <summary>Class names, one per line in class-id order (the usual labels.txt).</summary>
public static class LabelList
{
    public static IReadOnlyList<string> Parse(string text, string source = "labels")
    {
        string[] lines = text.ReplaceLineEndings("\n").Split('\n');
        int count = lines.Length;
        while (count > 0 && lines[count - 1].Trim().Length == 0)
            count--; // trailing newlines are not classes
        if (count == 0)
            throw new CameraConfigException($"{source}: no labels (expected one class name per line)");
        var labels = new string[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = lines[i].Trim();
            if (labels[i].Length == 0)
                throw new CameraConfigException($"{source}: line {i + 1} is empty; every class id needs a name");
        }
        return labels;
    }

    public static IReadOnlyList<string> Load(string path)
    {
        if (!File.Exists(path))
            throw new CameraConfigException($"label file '{path}' does not exist");
        return Parse(File.ReadAllText(path), path);
    }
}
