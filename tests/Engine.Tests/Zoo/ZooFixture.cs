using EdgeAgent.Engine.Zoo;

namespace EdgeAgent.Engine.Tests.Zoo;

/// <summary>Writes the zoo once per test class: ResNet-50 alone is about 100 MB.</summary>
public sealed class ZooFixture : IDisposable
{
    public ZooFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("edgeagent-zoo-").FullName;
        Paths = ModelZoo.WriteAll(Directory);
    }

    public string Directory { get; }

    public IReadOnlyList<string> Paths { get; }

    public string PathOf(string name) => Paths[ModelZoo.Names.ToList().IndexOf(name)];

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
