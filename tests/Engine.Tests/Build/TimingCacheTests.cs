using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Tests.Build;

public sealed class TimingCacheTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"edgeagent-tc-{Guid.NewGuid():N}.txt");
    private static readonly DeviceFingerprint Here = new("cpu", "Test CPU", "x64", ["avx2"], new Dictionary<string, string>());
    private static readonly DeviceFingerprint Other = Here with { Device = "Other CPU" };

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void EntriesRoundTripAndAreKeptPerDevice()
    {
        var cache = TimingCache.Load(_path);
        cache.Set(Here, "FusedConv|in float32[1x3x8x8]", "conv_avx2", 12.5);
        cache.Set(Other, "FusedConv|in float32[1x3x8x8]", "conv_portable", 40);
        cache.Save(_path);
        var loaded = TimingCache.Load(_path);
        Assert.True(loaded.TryGet(Here, "FusedConv|in float32[1x3x8x8]", out var mine));
        Assert.Equal("conv_avx2", mine);
        Assert.True(loaded.TryGet(Other, "FusedConv|in float32[1x3x8x8]", out var theirs));
        Assert.Equal("conv_portable", theirs);
        Assert.False(loaded.TryGet(Here, "FusedConv|in float32[1x3x9x9]", out _));
        Assert.False(loaded.Changed);
    }

    [Fact]
    public void MalformedLinesAreSkippedAndCounted()
    {
        var cache = TimingCache.Load(_path);
        cache.Set(Here, "Gemm|in float32[1x8]", "gemm_avx2", 3);
        cache.Save(_path);
        File.AppendAllLines(_path, ["garbage", "a\tb\tc", "a\tb\t\t1", "a\tb\tc\tnot-a-number", "", "# comment"]);
        var loaded = TimingCache.Load(_path);
        Assert.Equal(4, loaded.SkippedLines);
        Assert.Equal(1, loaded.Count);
        Assert.True(loaded.TryGet(Here, "Gemm|in float32[1x8]", out _));
    }

    [Fact]
    public void AMissingFileIsAnEmptyCache() => Assert.Equal(0, TimingCache.Load(_path + ".absent").Count);
}
