using System.Buffers.Binary;
using System.Text;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Tests.Tensors;

public sealed class NpyFileTests(ITestOutputHelper output)
{
    public static TheoryData<DataType> AllTypes() =>
    [
        DataType.Float32, DataType.Int64, DataType.Int32, DataType.Bool,
        DataType.UInt8, DataType.Int8, DataType.Float16, DataType.Float64,
    ];

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void RoundTripsRandomTensorsOfEveryShapeKind(DataType type)
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        int[][] shapes = [[], [1], [7], [0], [2, 0, 3], [2, 3, 5], [1, 3, 4, 4], [random.Next(1, 50), random.Next(1, 50)]];
        foreach (int[] shape in shapes)
        {
            Tensor original = RandomTensor(random, type, shape);
            var stream = new MemoryStream();
            NpyFile.Write(stream, original);
            stream.Position = 0;
            Tensor read = NpyFile.Read(stream, "mem.npy");

            Assert.Equal(type, read.Type);
            Assert.Equal(shape, read.Shape);
            Assert.Equal(original.Data.Cast<object>(), read.Data.Cast<object>());
            Assert.Equal(stream.Length, stream.Position);
        }
    }

    [Fact]
    public void RoundTripsThroughAFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"npy-{Guid.NewGuid():N}.npy");
        try
        {
            var t = Tensor.FromFloats([1.5f, -2f, float.NaN, float.PositiveInfinity, 0f, -0f], 2, 3);
            NpyFile.Write(path, t);
            Tensor read = NpyFile.Read(path);
            Assert.Equal(t.Shape, read.Shape);
            Assert.Equal(t.Floats.Select(BitConverter.SingleToInt32Bits), read.Floats.Select(BitConverter.SingleToInt32Bits));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void WritesVersion1HeaderAlignedTo64BytesEndingInNewline()
    {
        var stream = new MemoryStream();
        NpyFile.Write(stream, Tensor.FromLongs([1, 2, 3], 3));
        byte[] bytes = stream.ToArray();
        Assert.Equal(1, bytes[6]);
        Assert.Equal(0, bytes[7]);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        Assert.Equal(0, (10 + headerLength) % 64);
        string header = Encoding.Latin1.GetString(bytes, 10, headerLength);
        Assert.EndsWith("\n", header);
        Assert.Contains("'descr': '<i8'", header);
        Assert.Contains("'fortran_order': False", header);
        Assert.Contains("'shape': (3,)", header);
        Assert.Equal(10 + headerLength + 3 * 8, bytes.Length);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ReadsVersion2And3Headers(byte major)
    {
        byte[] data = new byte[6 * 4];
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(i * 4), i - 2);
        Tensor t = NpyFile.Read(new MemoryStream(Raw("{'descr': '<i4', 'fortran_order': False, 'shape': (3, 2), }", data, major)), "v.npy");
        Assert.Equal(DataType.Int32, t.Type);
        Assert.Equal([3, 2], t.Shape);
        Assert.Equal([-2, -1, 0, 1, 2, 3], t.Ints);
    }

    [Fact]
    public void AcceptsHeaderVariantsNumPyHasWritten()
    {
        // Key order is free, double quotes and Python 2 'L' suffixes occur in old files.
        byte[] data = [1, 0, 7];
        Tensor t = NpyFile.Read(new MemoryStream(Raw("{\"shape\": (3L,), \"fortran_order\": False, \"descr\": \"|b1\"}", data)), "b.npy");
        Assert.Equal([true, false, true], t.Bools);
    }

    [Fact]
    public void ReadsFromAStreamThatCannotSeek()
    {
        var stream = new MemoryStream();
        NpyFile.Write(stream, Tensor.FromFloats([1f, 2f, 3f, 4f], 2, 2));
        Tensor t = NpyFile.Read(new ForwardOnlyStream(stream.ToArray()), "pipe");
        Assert.Equal([1f, 2f, 3f, 4f], t.Floats);
    }

    [Fact]
    public void MissingFileIsAUserError()
    {
        var e = Assert.Throws<EngineUserException>(() => NpyFile.Read("/nonexistent/dir/x.npy"));
        Assert.Contains("/nonexistent/dir/x.npy", e.Message);
    }

    [Fact]
    public void RejectsBadMagic() =>
        AssertMalformed(Encoding.ASCII.GetBytes("PK\u0003\u0004 this is a zip file, not npy"), "magic");

    [Fact]
    public void RejectsEmptyAndTooShortFiles()
    {
        AssertMalformed([], "too short");
        AssertMalformed([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1], "too short");
    }

    [Fact]
    public void RejectsUnknownVersion() =>
        AssertMalformed(Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4], major: 9), "version 9");

    [Fact]
    public void RejectsTruncatedHeader()
    {
        byte[] full = Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]);
        AssertMalformed(full[..30], "header is truncated");
        AssertMalformed(full[..9], "header is truncated");
        AssertMalformed(new ForwardOnlyStream(full[..30]), "header is truncated");
    }

    [Theory]
    [InlineData("not a dict at all")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)")]
    [InlineData("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1, two), }")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': [1], }")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, }")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}")]
    [InlineData("{'descr': '<f4, 'fortran_order': False, 'shape': (1,), }")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } trailing")]
    public void RejectsHeaderThatIsNotAValidDictionary(string header) =>
        AssertMalformed(Raw(header, new byte[4]), "header");

    [Fact]
    public void RejectsFortranOrder() =>
        AssertMalformed(Raw("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new byte[16]), "fortran_order");

    [Fact]
    public void RejectsBigEndian() =>
        AssertMalformed(Raw("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", new byte[8]), "big-endian");

    [Theory]
    [InlineData("<i2")]
    [InlineData("<u8")]
    [InlineData("<c8")]
    [InlineData("|O")]
    [InlineData("<U5")]
    [InlineData("")]
    public void RejectsUnsupportedDtype(string descr) =>
        AssertMalformed(Raw($"{{'descr': '{descr}', 'fortran_order': False, 'shape': (2,), }}", new byte[64]), "not supported");

    [Fact]
    public void RejectsStructuredDtype() =>
        AssertMalformed(Raw("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (2,), }", new byte[8]), "structured");

    [Fact]
    public void RejectsNegativeDimension() =>
        AssertMalformed(Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", new byte[64]), "negative");

    [Fact]
    public void RejectsDataShorterThanTheShapeClaims()
    {
        AssertMalformed(Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }", new byte[63]), "truncated");
        AssertMalformed(new ForwardOnlyStream(Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }", new byte[63])), "truncated");
    }

    [Fact]
    public void RejectsA2Pow40ElementClaimBeforeAllocating()
    {
        // Both on a seekable and on a forward-only stream: neither may try to allocate terabytes.
        byte[] file = Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }", new byte[16]);
        AssertMalformed(file, "elements");
        AssertMalformed(new ForwardOnlyStream(file), "elements");
        AssertMalformed(Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }", []), "too large");
    }

    [Fact]
    public void RejectsAClaimLargerThanTheFileBeforeAllocating()
    {
        // 200M floats is a legal tensor but the file holds 16 bytes: reject from the length, not by reading.
        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertMalformed(Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (200000000,), }", new byte[16]), "800000000 bytes");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void ErrorMessageIsOneLineNamingTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():N}.npy");
        try
        {
            File.WriteAllBytes(path, Raw("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", new byte[8]));
            var e = Assert.Throws<NpyFormatException>(() => NpyFile.Read(path));
            Assert.StartsWith(path + ":", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.IsAssignableFrom<EngineUserException>(e);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private void AssertMalformed(byte[] file, string expectedFragment) =>
        AssertMalformed(new MemoryStream(file), expectedFragment);

    private void AssertMalformed(Stream stream, string expectedFragment)
    {
        var e = Assert.Throws<NpyFormatException>(() => NpyFile.Read(stream, "input.npy"));
        output.WriteLine(e.Message);
        Assert.StartsWith("input.npy: ", e.Message);
        Assert.Contains(expectedFragment, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>Builds a .npy byte image by hand, so malformed variants can be made that no writer would produce.</summary>
    private static byte[] Raw(string header, byte[] data, byte major = 1)
    {
        byte[] text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetBytes(header + "\n");
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0 };
        if (major == 1)
        {
            bytes.Add((byte)(text.Length & 0xff));
            bytes.Add((byte)(text.Length >> 8));
        }
        else
        {
            bytes.AddRange(BitConverter.GetBytes(text.Length));
        }
        bytes.AddRange(text);
        bytes.AddRange(data);
        return [.. bytes];
    }

    private static Tensor RandomTensor(Random random, DataType type, int[] shape)
    {
        int n = (int)Tensor.ElementCount(shape);
        Array data = type switch
        {
            DataType.Float32 => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 200 - 100)).ToArray(),
            DataType.Float64 => Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2e6 - 1e6).ToArray(),
            DataType.Float16 => Enumerable.Range(0, n).Select(_ => (Half)(random.NextDouble() * 20 - 10)).ToArray(),
            DataType.Int64 => Enumerable.Range(0, n).Select(_ => random.NextInt64(long.MinValue, long.MaxValue)).ToArray(),
            DataType.Int32 => Enumerable.Range(0, n).Select(_ => random.Next(int.MinValue, int.MaxValue)).ToArray(),
            DataType.Int8 => Enumerable.Range(0, n).Select(_ => (sbyte)random.Next(-128, 128)).ToArray(),
            DataType.UInt8 => Enumerable.Range(0, n).Select(_ => (byte)random.Next(0, 256)).ToArray(),
            DataType.Bool => Enumerable.Range(0, n).Select(_ => random.Next(2) == 1).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
        return new Tensor(type, shape, data);
    }

    /// <summary>A pipe-like stream: no length, no seeking, short reads.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private int _pos;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, 7), bytes.Length - _pos);
            Array.Copy(bytes, _pos, buffer, offset, n);
            _pos += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
