using System.Security.Cryptography;
using EdgeAgent.Engine.Backends.Cpu;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Format;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Oracle;
using EdgeAgent.Engine.Tests.Zoo;

namespace EdgeAgent.Engine.Tests.Format;

/// <summary>Build → save → load → run, profiles, and every reason an engine file is refused.</summary>
public sealed class EngineFileTests(ZooFixture zoo, ITestOutputHelper output) : IClassFixture<ZooFixture>
{
    private static BuilderConfig Config(bool autotune = false) => new() { Backend = new CpuBackend(2), Autotune = autotune };

    private string PathOf(string name) => name switch
    {
        "det" => TestModels.OcrDetector,
        "cls" => TestModels.OcrClassifier,
        _ => zoo.PathOf(name),
    };

    public static TheoryData<string, string, int[]> Models() => new()
    {
        { "det", "x", [1, 3, 640, 640] },
        { "cls", "x", [1, 3, 48, 192] },
        { "resnet50", "input", [1, 3, 224, 224] },
        { "mobilenetv2", "input", [1, 3, 224, 224] },
        { "yolov5s", "images", [1, 3, 640, 640] },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void SavedAndLoadedEngineGivesBitIdenticalOutputs(string name, string input, int[] shape)
    {
        var built = EngineBuilder.BuildFile(PathOf(name), Config(), new Dictionary<string, TensorShape> { [input] = TensorShape.Of(shape) });
        byte[] file = EngineSerializer.Write(built.Plan);
        var loaded = EngineSerializer.Read(file, name).Compile(new CpuBackend(2));
        Assert.Equal(built.Engine.Tactics.Select(t => t.Name), loaded.Tactics.Select(t => t.Name));

        var x = TestModels.RandomTensor(new Random(TestModels.NewSeed(output)), shape);
        using var a = built.Engine.CreateContext(2);
        using var b = loaded.CreateContext(2);
        var expected = a.Run(new Dictionary<string, Tensor> { [input] = x });
        var actual = b.Run(new Dictionary<string, Tensor> { [input] = x });
        foreach (var (key, value) in expected) Assert.Equal(value.Floats, actual[key].Floats);
        output.WriteLine($"{name}: engine file {file.Length / 1048576.0:F2} MiB");
    }

    [Fact]
    public void ProfileEngineRunsShapesInsideItsRangeAndRefusesOthers()
    {
        var profile = new OptimizationProfile([new ShapeRange("x", [1, 3, 320, 320], [1, 3, 640, 640], [1, 3, 960, 960])]);
        var built = EngineBuilder.BuildFile(TestModels.OcrDetector, Config() with { Profiles = [profile] });
        var plan = EngineSerializer.Read(EngineSerializer.Write(built.Plan), "det-profile");
        var random = new Random(TestModels.NewSeed(output));
        foreach (var (h, w) in new[] { (480, 800), (960, 960) })
        {
            var x = TestModels.RandomDocument(random, h, w);
            var engine = plan.Compile(new CpuBackend(2), new Dictionary<string, int[]> { ["x"] = [1, 3, h, w] });
            using var context = engine.CreateContext(2);
            var actual = context.Run(new Dictionary<string, Tensor> { ["x"] = x })["sigmoid_0.tmp_0"];
            var expected = new Backends.Reference.ReferenceExecutor(TestModels.Load(TestModels.OcrDetector, ("x", [1, 3, h, w])))
                .Run(new Dictionary<string, Tensor> { ["x"] = x })["sigmoid_0.tmp_0"];
            TensorAssert.AssertClose(expected, actual, 1e-4, $"det at {h}x{w} from the profile engine");
        }
        var e = Assert.Throws<EngineUserException>(() => plan.Compile(new CpuBackend(2), new Dictionary<string, int[]> { ["x"] = [1, 3, 1280, 1280] }));
        Assert.Contains("outside every optimization profile", e.Message);
        Assert.Contains("1x3x1280x1280", e.Message);
    }

    [Fact]
    public void WarmTimingCacheReTimesNothing()
    {
        string cache = Path.Combine(Path.GetTempPath(), $"edgeagent-timing-{Guid.NewGuid():N}.txt");
        try
        {
            var shapes = new Dictionary<string, TensorShape> { ["x"] = TensorShape.Of(1, 3, 48, 192) };
            var cold = EngineBuilder.BuildFile(TestModels.OcrClassifier, Config(autotune: true) with { TimingCachePath = cache }, shapes);
            var warm = EngineBuilder.BuildFile(TestModels.OcrClassifier, Config(autotune: true) with { TimingCachePath = cache }, shapes);
            output.WriteLine($"cold {cold.Stats}, warm {warm.Stats}");
            Assert.True(cold.Stats.LayersTimed > 10);
            Assert.Equal(0, warm.Stats.LayersTimed);
            Assert.Equal(cold.Stats.LayersTimed + cold.Stats.LayersFromCache, warm.Stats.LayersFromCache);
            Assert.Equal(cold.Engine.Tactics.Select(t => t.Name), warm.Engine.Tactics.Select(t => t.Name));
        }
        finally { File.Delete(cache); }
    }

    private static byte[] SmallEngine(ECDsa? key = null) =>
        EngineSerializer.Write(EngineBuilder.BuildFile(TestModels.OcrClassifier, Config(),
            new Dictionary<string, TensorShape> { ["x"] = TensorShape.Of(1, 3, 48, 192) }).Plan, key);

    private static EngineLoadError Refusal(Action load) => Assert.Throws<EngineFormatException>(load).Kind;

    [Fact]
    public void EngineForAnotherDeviceNamesTheFieldThatDiffers()
    {
        var plan = EngineSerializer.Read(SmallEngine(), "cls");
        var here = plan.Fingerprint;
        foreach (var (doctored, field) in new[]
        {
            (here with { Device = "Some Other CPU" }, "device"),
            (here with { Architecture = "arm64" }, "architecture"),
            (here with { Features = [.. here.Features, "avx512f-fake"] }, "features"),
            (here with { Backend = "cuda" }, "backend"),
        })
        {
            var other = new EnginePlan(plan.GraphBytes.ToArray(), plan.Tactics, doctored, plan.Profiles, plan.Model, plan.Precision, plan.BuilderVersion);
            var reloaded = EngineSerializer.Read(EngineSerializer.Write(other), "doctored");
            var e = Assert.Throws<EngineFormatException>(() => reloaded.Compile(new CpuBackend(2)));
            Assert.Equal(EngineLoadError.FingerprintMismatch, e.Kind);
            Assert.Contains(field + ":", e.Message);
        }
    }

    [Fact]
    public void DamagedFilesAreRefusedWithTheirReason()
    {
        var file = SmallEngine();
        var flipped = (byte[])file.Clone();
        flipped[file.Length / 2] ^= 0x10;
        Assert.Equal(EngineLoadError.ChecksumMismatch, Refusal(() => EngineSerializer.Read(flipped, "flipped")));
        Assert.Equal(EngineLoadError.Truncated, Refusal(() => EngineSerializer.Read(file[..(file.Length / 3)], "cut")));
        Assert.Equal(EngineLoadError.NotAnEngine, Refusal(() => EngineSerializer.Read("not an engine at all"u8.ToArray(), "text")));
        var newer = (byte[])file.Clone();
        newer[8] = 2;
        var e = Assert.Throws<EngineFormatException>(() => EngineSerializer.Read(newer, "newer"));
        Assert.Equal(EngineLoadError.UnsupportedVersion, e.Kind);
        Assert.Contains("newer than this build supports", e.Message);
    }

    [Fact]
    public void SignaturesAreCheckedAgainstTheFleetKey()
    {
        using var fleet = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signed = SmallEngine(fleet);
        Assert.True(EngineSerializer.Read(signed, "signed", fleet).Signed);
        Assert.Equal(EngineLoadError.SignatureInvalid, Refusal(() => EngineSerializer.Read(signed, "signed", stranger)));
        Assert.Equal(EngineLoadError.SignatureMissing, Refusal(() => EngineSerializer.Read(SmallEngine(), "unsigned", fleet)));
        // Tampering with a signed engine breaks the checksum before the signature is even looked at.
        var tampered = (byte[])signed.Clone();
        tampered[100] ^= 1;
        Assert.Equal(EngineLoadError.ChecksumMismatch, Refusal(() => EngineSerializer.Read(tampered, "tampered", fleet)));
    }

    [Fact]
    public void FuzzedEnginesNeverCrashHangOrOverAllocate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var file = SmallEngine(key);
        var random = new Random(TestModels.NewSeed(output));
        var outcomes = new Dictionary<string, int>();
        long worstAllocation = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 1200; i++)
        {
            byte[] candidate;
            if (i % 2 == 0) candidate = file[..random.Next(0, file.Length)];
            else
            {
                candidate = (byte[])file.Clone();
                for (int f = 1 + random.Next(3); f > 0; f--) candidate[random.Next(candidate.Length)] ^= (byte)(1 << random.Next(8));
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            string outcome;
            try
            {
                EngineSerializer.Read(candidate, "fuzz", i % 4 == 1 ? key : null);
                outcome = "loaded";
            }
            catch (EngineFormatException e) { outcome = e.Kind.ToString(); }
            worstAllocation = Math.Max(worstAllocation, GC.GetAllocatedBytesForCurrentThread() - before);
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        output.WriteLine($"{string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}"))}; worst allocation {worstAllocation} bytes for a {file.Length}-byte file; {clock.ElapsedMilliseconds} ms");
        Assert.True(worstAllocation < 8L * file.Length, "a damaged file made the loader allocate more than the file justifies");
        Assert.True(outcomes.GetValueOrDefault("ChecksumMismatch") > 100 && outcomes.GetValueOrDefault("Truncated") > 100);
    }
}
