using EdgeAgent.Agent.Store;

namespace EdgeAgent.Agent.Tests.Store;

public sealed class EngineStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("edgeagent-store-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static VersionManifest Manifest(string version, int minutes = 0) => new()
    {
        ModelId = "det",
        Version = version,
        ArtifactKind = "engine",
        ArtifactSha256 = new string('a', 64),
        CreatedAt = new DateTimeOffset(2026, 11, 22, 3, minutes, 0, TimeSpan.Zero),
    };

    private StoredVersion Stage(EngineStore store, string version, int minutes = 0) =>
        store.Stage(Manifest(version, minutes), dir => File.WriteAllText(Path.Combine(dir, EngineStore.EngineFile), $"engine {version}"));

    [Fact]
    public void ActivatingKeepsThePreviousVersionAndRollingBackRestoresIt()
    {
        var store = new EngineStore(_root);
        Stage(store, "1.0");
        Stage(store, "1.1", 1);
        store.Activate("det", "1.0");
        Assert.Equal("1.0", store.Active("det")!.Manifest.Version);
        Assert.Null(store.Previous("det"));
        store.Activate("det", "1.1");
        Assert.Equal("1.1", store.Active("det")!.Manifest.Version);
        Assert.Equal("1.0", store.Previous("det")!.Manifest.Version);
        Assert.Equal("engine 1.1", File.ReadAllText(store.Active("det")!.FilePath(EngineStore.EngineFile)));
        var back = store.RollBack("det");
        Assert.Equal("1.0", back.Manifest.Version);
        Assert.Equal("1.0", store.Active("det")!.Manifest.Version);
        Assert.Null(store.Previous("det"));
        Assert.Throws<StoreException>(() => store.RollBack("det"));
    }

    [Fact]
    public void AVersionCannotBeStagedTwiceOrActivatedBeforeItExists()
    {
        var store = new EngineStore(_root);
        Stage(store, "1.0");
        Assert.Throws<StoreException>(() => Stage(store, "1.0"));
        Assert.Throws<StoreException>(() => store.Activate("det", "9.9"));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("..")]
    public void UnsafeNamesAreRefused(string version) =>
        Assert.Throws<StoreException>(() => new EngineStore(_root).Stage(Manifest(version), _ => { }));

    [Fact]
    public void RecoveryRemovesHalfWrittenStateAndKeepsTheActiveVersion()
    {
        var store = new EngineStore(_root);
        Stage(store, "1.0");
        store.Activate("det", "1.0");
        // A power cut while staging 1.1 and while rewriting the active pointer.
        string versions = Path.Combine(_root, "models", "det", "versions");
        Directory.CreateDirectory(Path.Combine(versions, "1.1.staging"));
        File.WriteAllText(Path.Combine(versions, "1.1.staging", EngineStore.EngineFile), "half");
        File.WriteAllText(Path.Combine(_root, "models", "det", "active.tmp"), "1.");
        var reopened = new EngineStore(_root);
        var actions = reopened.Recover();
        Assert.Equal(2, actions.Count);
        Assert.False(Directory.Exists(Path.Combine(versions, "1.1.staging")));
        Assert.Equal("1.0", reopened.Active("det")!.Manifest.Version);
        Assert.Empty(reopened.Recover());
    }

    [Fact]
    public void ADamagedActiveVersionFallsBackToThePreviousOne()
    {
        var store = new EngineStore(_root);
        Stage(store, "1.0");
        Stage(store, "1.1", 1);
        store.Activate("det", "1.0");
        store.Activate("det", "1.1");
        File.WriteAllText(Path.Combine(_root, "models", "det", "versions", "1.1", EngineStore.ManifestFile), "{ not json");
        var actions = store.Recover();
        Assert.Contains(actions, a => a.Contains("activated 1.0"));
        Assert.Equal("1.0", store.Active("det")!.Manifest.Version);
        Assert.Null(store.Previous("det"));
    }

    [Fact]
    public void GarbageInThePointerFileIsRecoveredFromTheNewestIntactVersion()
    {
        var store = new EngineStore(_root);
        Stage(store, "1.0");
        Stage(store, "2.0", 5);
        File.WriteAllText(Path.Combine(_root, "models", "det", "active"), "\0\0garbage/../\n");
        store.Recover();
        Assert.Equal("2.0", store.Active("det")!.Manifest.Version);
    }

    [Fact]
    public void PruningKeepsActivePreviousAndTheNewestOthers()
    {
        var store = new EngineStore(_root, keepVersions: 1);
        for (int i = 0; i < 5; i++) Stage(store, $"1.{i}", i);
        store.Activate("det", "1.0");
        store.Activate("det", "1.1");
        var removed = store.Prune("det");
        Assert.Equal(["1.2", "1.3"], removed);
        Assert.Equal(["1.0", "1.1", "1.4"], store.Versions("det").Select(v => v.Manifest.Version));
    }

    [Fact]
    public void ManifestsWithMissingFieldsAreRejectedClearly()
    {
        var e = Assert.Throws<StoreException>(() => VersionManifest.Parse("{\"ModelId\":\"det\"}", "test"));
        Assert.Contains("manifest test is not valid", e.Message);
        Assert.Throws<StoreException>(() => VersionManifest.Parse("null", "test"));
    }
}
