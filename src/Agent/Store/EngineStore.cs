using System.Text.RegularExpressions;

namespace EdgeAgent.Agent.Store;

/// <summary>A model version in the store: its folder and manifest.</summary>
public sealed record StoredVersion(string Directory, VersionManifest Manifest)
{
    public string FilePath(string name) => Path.Combine(Directory, name);
}

/// <summary>
/// The device's engines, per model: <c>ROOT/models/ID/versions/VERSION/</c> (manifest.json plus
/// the engine, model.onnx and calibration cache when known), and two pointer files, <c>active</c>
/// and <c>previous</c>, each holding one version name. Versions are staged in a side folder and
/// published by a rename; pointers are replaced crash-safely (<see cref="DurableFile"/>), so a
/// power cut at any moment leaves either the old or the new state, and <see cref="Recover"/>
/// cleans up whatever an interrupted operation left behind.
/// </summary>
public sealed partial class EngineStore
{
    public const string ManifestFile = "manifest.json";
    public const string EngineFile = "engine.bin";
    public const string ModelFile = "model.onnx";
    private const string StagingSuffix = ".staging";

    private readonly string _root;
    private readonly int _keep;

    /// <param name="keepVersions">Versions kept per model besides the active and previous ones.</param>
    public EngineStore(string root, int keepVersions = 2)
    {
        _root = Path.GetFullPath(root);
        _keep = Math.Max(0, keepVersions);
        Directory.CreateDirectory(Path.Combine(_root, "models"));
    }

    public string Root => _root;

    private string ModelDir(string modelId) => Path.Combine(_root, "models", CheckName(modelId, "model id"));
    private string VersionsDir(string modelId) => Path.Combine(ModelDir(modelId), "versions");

    /// <summary>Model ids and versions become folder names: letters, digits, '.', '_' and '-' only.</summary>
    private static string CheckName(string name, string what) =>
        SafeName().IsMatch(name) && name is not "." and not ".."
            ? name : throw new StoreException($"{what} '{name}' may use only letters, digits, '.', '_' and '-' (1 to 64 characters)");

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex SafeName();

    /// <summary>
    /// Adds a version: <paramref name="write"/> fills a staging folder, every file in it is flushed,
    /// the manifest is written last, and the folder is renamed into place. Re-staging an existing
    /// version replaces nothing and throws.
    /// </summary>
    public StoredVersion Stage(VersionManifest manifest, Action<string> write)
    {
        string versions = VersionsDir(manifest.ModelId);
        string final = Path.Combine(versions, CheckName(manifest.Version, "version"));
        if (Directory.Exists(final)) throw new StoreException($"model '{manifest.ModelId}' already has version '{manifest.Version}'");
        Directory.CreateDirectory(versions);
        string staging = final + StagingSuffix;
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        write(staging);
        foreach (var file in Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories)) DurableFile.SyncFile(file);
        DurableFile.WriteAllText(Path.Combine(staging, ManifestFile), manifest.ToJson());
        DurableFile.MoveDirectory(staging, final);
        return new StoredVersion(final, manifest);
    }

    public StoredVersion? Find(string modelId, string version)
    {
        string dir = Path.Combine(VersionsDir(modelId), CheckName(version, "version"));
        string manifest = Path.Combine(dir, ManifestFile);
        if (!File.Exists(manifest)) return null;
        return new StoredVersion(dir, VersionManifest.Parse(File.ReadAllText(manifest), manifest));
    }

    /// <summary>Every intact version of a model, oldest first; damaged ones are skipped.</summary>
    public IReadOnlyList<StoredVersion> Versions(string modelId)
    {
        string versions = VersionsDir(modelId);
        if (!Directory.Exists(versions)) return [];
        var result = new List<StoredVersion>();
        foreach (var dir in Directory.EnumerateDirectories(versions).Where(d => !d.EndsWith(StagingSuffix, StringComparison.Ordinal)))
        {
            try { if (Find(modelId, Path.GetFileName(dir)) is { } v) result.Add(v); }
            catch (StoreException) { }
        }
        return result.OrderBy(v => v.Manifest.CreatedAt).ThenBy(v => v.Manifest.Version, StringComparer.Ordinal).ToList();
    }

    public IReadOnlyList<string> Models() =>
        Directory.EnumerateDirectories(Path.Combine(_root, "models")).Select(Path.GetFileName).OfType<string>().Order().ToList();

    public StoredVersion? Active(string modelId) => Pointer(modelId, "active");
    public StoredVersion? Previous(string modelId) => Pointer(modelId, "previous");

    private StoredVersion? Pointer(string modelId, string name)
    {
        string path = Path.Combine(ModelDir(modelId), name);
        if (!File.Exists(path)) return null;
        string version = File.ReadAllText(path).Trim();
        if (!SafeName().IsMatch(version)) return null;
        try { return Find(modelId, version); }
        catch (StoreException) { return null; }
    }

    private void SetPointer(string modelId, string name, string? version)
    {
        string path = Path.Combine(ModelDir(modelId), name);
        if (version is null)
        {
            if (File.Exists(path)) { File.Delete(path); DurableFile.SyncDirectory(ModelDir(modelId)); }
            return;
        }
        DurableFile.WriteAllText(path, version + "\n");
    }

    /// <summary>
    /// Makes <paramref name="version"/> active and the formerly active one previous. The previous
    /// pointer is written first: a crash between the two writes leaves the old version active.
    /// </summary>
    public void Activate(string modelId, string version)
    {
        if (Find(modelId, version) is null) throw new StoreException($"model '{modelId}' has no version '{version}' to activate");
        var active = Active(modelId);
        if (active?.Manifest.Version == version) return;
        if (active is not null) SetPointer(modelId, "previous", active.Manifest.Version);
        SetPointer(modelId, "active", version);
    }

    /// <summary>
    /// Replaces a version's engine after a local rebuild (new hardware, new driver): the engine
    /// file first, then the manifest, each crash-safely. A crash between the two leaves the old
    /// fingerprint in the manifest, and the next start simply rebuilds again.
    /// </summary>
    public StoredVersion ReplaceEngine(string modelId, string version, byte[] engine, Func<VersionManifest, VersionManifest> update)
    {
        var stored = Find(modelId, version) ?? throw new StoreException($"model '{modelId}' has no version '{version}' to rebuild");
        DurableFile.WriteAllBytes(stored.FilePath(EngineFile), engine);
        var manifest = update(stored.Manifest);
        DurableFile.WriteAllText(stored.FilePath(ManifestFile), manifest.ToJson());
        return new StoredVersion(stored.Directory, manifest);
    }

    /// <summary>Makes the previous version active again; the rolled-back version stays stored but becomes neither.</summary>
    public StoredVersion RollBack(string modelId)
    {
        var previous = Previous(modelId) ?? throw new StoreException($"model '{modelId}' has no previous version to roll back to");
        SetPointer(modelId, "active", previous.Manifest.Version);
        SetPointer(modelId, "previous", null);
        return previous;
    }

    /// <summary>
    /// Repairs what an interrupted operation left: staging folders and temporary files are
    /// removed; an active pointer to a missing or damaged version falls back to the previous one,
    /// else to the newest intact version. Returns what it did, for the log.
    /// </summary>
    public IReadOnlyList<string> Recover()
    {
        var actions = new List<string>();
        foreach (var model in Models())
        {
            string modelDir = ModelDir(model);
            foreach (var temp in Directory.EnumerateFiles(modelDir, "*.tmp"))
            {
                File.Delete(temp);
                actions.Add($"{model}: removed unfinished pointer write {Path.GetFileName(temp)}");
            }
            if (Directory.Exists(VersionsDir(model)))
                foreach (var staging in Directory.EnumerateDirectories(VersionsDir(model), "*" + StagingSuffix))
                {
                    Directory.Delete(staging, recursive: true);
                    actions.Add($"{model}: removed unfinished version {Path.GetFileName(staging)}");
                }
            bool activeNamed = File.Exists(Path.Combine(modelDir, "active"));
            if (Active(model) is null && (activeNamed || Versions(model).Count > 0))
            {
                var fallback = Previous(model) ?? Versions(model).LastOrDefault();
                if (fallback is null)
                {
                    SetPointer(model, "active", null);
                    actions.Add($"{model}: active version is gone and nothing else is stored");
                }
                else
                {
                    SetPointer(model, "active", fallback.Manifest.Version);
                    if (Previous(model)?.Manifest.Version == fallback.Manifest.Version) SetPointer(model, "previous", null);
                    actions.Add($"{model}: active version missing or damaged; activated {fallback.Manifest.Version}");
                }
            }
        }
        return actions;
    }

    /// <summary>Deletes old versions beyond the configured count, never the active or previous one.</summary>
    public IReadOnlyList<string> Prune(string modelId)
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        if (Active(modelId) is { } a) keep.Add(a.Manifest.Version);
        if (Previous(modelId) is { } p) keep.Add(p.Manifest.Version);
        var removable = Versions(modelId).Where(v => !keep.Contains(v.Manifest.Version)).ToList();
        var removed = new List<string>();
        foreach (var v in removable.Take(Math.Max(0, removable.Count - _keep)))
        {
            Directory.Delete(v.Directory, recursive: true);
            removed.Add(v.Manifest.Version);
        }
        if (removed.Count > 0) DurableFile.SyncDirectory(VersionsDir(modelId));
        return removed;
    }
}
