using System.Security.Cryptography;
using EdgeAgent.Agent.Deployment;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Agent.Tests.Deployment;

public sealed class ChunkAssemblerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeagent-chunks-").FullName;
    private readonly byte[] _artifact;
    private const int ChunkSize = 1000;

    public ChunkAssemblerTests()
    {
        _artifact = new byte[10_500];
        new Random(42).NextBytes(_artifact);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Sha => Convert.ToHexString(SHA256.HashData(_artifact)).ToLowerInvariant();
    private int Count => (_artifact.Length + ChunkSize - 1) / ChunkSize;
    private ReadOnlySpan<byte> Chunk(int i) => _artifact.AsSpan(i * ChunkSize, Math.Min(ChunkSize, _artifact.Length - i * ChunkSize));
    private ChunkAssembler Open(string? sha = null) => new(_dir, "deploy-1", _artifact.Length, Count, ChunkSize, sha ?? Sha);

    [Fact]
    public void OutOfOrderAndDuplicateChunksAssembleTheArtifact()
    {
        using var assembler = Open();
        foreach (int i in Enumerable.Range(0, Count).Reverse())
            Assert.Equal(ChunkResult.Accepted, assembler.Accept(i, Chunk(i), Crc32C.Compute(Chunk(i))));
        Assert.Equal(ChunkResult.Duplicate, assembler.Accept(3, Chunk(3), Crc32C.Compute(Chunk(3))));
        Assert.True(assembler.Complete);
        Assert.Equal(_artifact, File.ReadAllBytes(assembler.Finish()));
    }

    [Fact]
    public void DamagedChunksAreRefusedAndStayMissing()
    {
        using var assembler = Open();
        var bad = Chunk(2).ToArray();
        uint crc = Crc32C.Compute(bad);
        bad[10] ^= 1;
        Assert.Equal(ChunkResult.BadChecksum, assembler.Accept(2, bad, crc));
        Assert.Equal(ChunkResult.BadIndex, assembler.Accept(Count, Chunk(0), Crc32C.Compute(Chunk(0))));
        Assert.Equal(ChunkResult.BadIndex, assembler.Accept(-1, Chunk(0), Crc32C.Compute(Chunk(0))));
        Assert.Equal(ChunkResult.BadLength, assembler.Accept(Count - 1, Chunk(0), Crc32C.Compute(Chunk(0))));
        Assert.Equal(Enumerable.Range(0, Count), assembler.Missing());
        Assert.Throws<DeploymentException>(() => assembler.Finish());
    }

    [Fact]
    public void ATransferResumesAfterARestart()
    {
        using (var first = Open())
            for (int i = 0; i < Count; i += 2) first.Accept(i, Chunk(i), Crc32C.Compute(Chunk(i)));
        using var second = Open();
        Assert.Equal(Enumerable.Range(0, Count).Where(i => i % 2 == 1), second.Missing());
        foreach (int i in second.Missing()) second.Accept(i, Chunk(i), Crc32C.Compute(Chunk(i)));
        Assert.Equal(_artifact, File.ReadAllBytes(second.Finish()));
    }

    [Fact]
    public void AWrongSha256IsCaughtAtTheEnd()
    {
        using var assembler = Open(new string('0', 64));
        for (int i = 0; i < Count; i++) assembler.Accept(i, Chunk(i), Crc32C.Compute(Chunk(i)));
        var e = Assert.Throws<DeploymentException>(() => assembler.Finish());
        Assert.Contains("expected 0000", e.Message);
    }

    [Theory]
    [InlineData(10_500, 10, 1000)]  // too few chunks
    [InlineData(10_500, 12, 1000)]  // too many
    [InlineData(0, 1, 1000)]
    [InlineData(100, 1, 0)]
    public void ImpossibleLayoutsAreRefused(long total, int count, int size) =>
        Assert.Throws<DeploymentException>(() => new ChunkAssembler(_dir, "x", total, count, size, new string('a', 64)));

    [Fact]
    public void AMalformedSha256IsRefused() =>
        Assert.Throws<DeploymentException>(() => new ChunkAssembler(_dir, "x", 10, 1, 10, "not-hex"));
}
