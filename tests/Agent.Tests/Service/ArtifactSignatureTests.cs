using System.Security.Cryptography;
using EdgeAgent.Agent.Deployment;

namespace EdgeAgent.Agent.Tests.Service;

public sealed class ArtifactSignatureTests
{
    private static readonly string Sha = Convert.ToHexString(SHA256.HashData("artifact"u8)).ToLowerInvariant();

    [Fact]
    public void DerAndFixedFieldSignaturesByTheFleetKeyVerify()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] digest = Convert.FromHexString(Sha);
        Assert.True(ArtifactSignature.Verify(key, Sha, ArtifactSignature.Sign(key, Sha)));
        Assert.True(ArtifactSignature.Verify(key, Sha, key.SignHash(digest, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)));
    }

    [Fact]
    public void AnotherKeyAnotherHashOrGarbageDoNotVerify()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] signature = ArtifactSignature.Sign(other, Sha);
        Assert.False(ArtifactSignature.Verify(key, Sha, signature));
        Assert.False(ArtifactSignature.Verify(key, Sha.Replace('a', 'b'), ArtifactSignature.Sign(key, Sha)));
        Assert.False(ArtifactSignature.Verify(key, Sha, new byte[64]));
        Assert.False(ArtifactSignature.Verify(key, Sha, [0x30, 0x01, 0x02]));
        Assert.False(ArtifactSignature.Verify(key, "not hex", ArtifactSignature.Sign(key, Sha)));
    }
}
