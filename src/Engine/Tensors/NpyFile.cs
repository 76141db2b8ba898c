using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace EdgeAgent.Engine.Tensors;

/// <summary>
/// Reads and writes NumPy .npy files: the tensor format of the command line and the test oracle.
/// Writes version 1.0, little-endian, C order. Reads versions 1.0–3.0 of float32, float16,
/// float64, int64, int32, int8, uint8 and bool. A file is untrusted input: every claim its
/// header makes is checked against the bytes actually present before anything is allocated.
/// </summary>
public static class NpyFile
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>NumPy refuses headers above 10 kB by default; we allow more but never an unbounded read.</summary>
    private const int MaxHeaderBytes = 1 << 20;

    /// <summary>NumPy aligns the data start to 64 bytes so files can be memory-mapped efficiently.</summary>
    private const int Alignment = 64;

    public static Tensor Read(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EngineUserException($"{path}: cannot open .npy file: {e.Message}", e);
        }
        using (stream) return Read(stream, path);
    }

    /// <summary>Reads one tensor from <paramref name="stream"/>; <paramref name="name"/> is used in error messages.</summary>
    public static Tensor Read(Stream stream, string name)
    {
        EnsureLittleEndianHost();
        Span<byte> prefix = stackalloc byte[8];
        int got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        int magicSeen = Math.Min(got, Magic.Length);
        if (!prefix[..magicSeen].SequenceEqual(Magic[..magicSeen]))
            throw new NpyFormatException(name, "it does not start with the .npy magic bytes \\x93NUMPY");
        if (got < prefix.Length)
            throw new NpyFormatException(name, $"file is only {got} bytes long, too short to be a .npy file");

        byte major = prefix[6];
        int lengthBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new NpyFormatException(name, $"format version {major}.{prefix[7]} is not supported (1.0, 2.0 and 3.0 are)"),
        };
        Span<byte> lengthField = stackalloc byte[4];
        if (stream.ReadAtLeast(lengthField[..lengthBytes], lengthBytes, throwOnEndOfStream: false) < lengthBytes)
            throw new NpyFormatException(name, "header is truncated (the file ends inside the header length)");
        long headerLength = lengthBytes == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(lengthField)
            : BinaryPrimitives.ReadUInt32LittleEndian(lengthField);
        long? remaining = Remaining(stream);
        if (headerLength > MaxHeaderBytes || (remaining is long r && headerLength > r))
        {
            throw new NpyFormatException(name, remaining is long left && headerLength > left
                ? $"header is truncated: it claims {headerLength} bytes but only {left} follow"
                : $"header claims {headerLength} bytes, more than the {MaxHeaderBytes} allowed");
        }
        var headerBytes = new byte[headerLength];
        if (stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false) < headerBytes.Length)
            throw new NpyFormatException(name, $"header is truncated: it claims {headerLength} bytes but the file ends sooner");
        // Versions 1 and 2 write the header in latin-1; version 3 allows UTF-8.
        string headerText = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        var header = NpyHeader.Parse(headerText, name);

        DataType type = ParseDescr(header.Descr, name);
        if (header.FortranOrder)
            throw new NpyFormatException(name, "fortran_order is True; only C-order arrays are supported (save with np.ascontiguousarray)");
        int[] shape = CheckShape(header.Shape, name);
        long count = Tensor.ElementCount(shape);
        long byteCount = count * type.SizeOf();

        remaining = Remaining(stream);
        if (remaining is long avail && avail < byteCount)
            throw new NpyFormatException(name, $"data is truncated: shape {Tensor.ShapeText(shape)} of {type.Name()} needs {byteCount} bytes but only {avail} follow the header");

        Array data;
        if (remaining is null)
        {
            data = ReadUnseekable(stream, type, count, byteCount, shape, name);
        }
        else
        {
            data = Array.CreateInstance(Tensor.ElementClrType(type), count);
            var target = BytesOf(data, type);
            if (stream.ReadAtLeast(target, target.Length, throwOnEndOfStream: false) < target.Length)
                throw new NpyFormatException(name, $"data is truncated: shape {Tensor.ShapeText(shape)} of {type.Name()} needs {byteCount} bytes");
        }
        if (type == DataType.Bool) NormalizeBools(BytesOf(data, type));
        return new Tensor(type, shape, data);
    }

    public static void Write(string path, Tensor tensor)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Write(stream, tensor);
    }

    /// <summary>Writes <paramref name="tensor"/> as a version 1.0 .npy (2.0 only if the header cannot fit 1.0's 16-bit length).</summary>
    public static void Write(Stream stream, Tensor tensor)
    {
        EnsureLittleEndianHost();
        var header = new NpyHeader(Descr(tensor.Type), false, Array.ConvertAll(tensor.Shape, d => (long)d));
        string dict = header.ToPython();
        int prefixLength = Magic.Length + 2 + 2;
        if (prefixLength + dict.Length + 1 > ushort.MaxValue) prefixLength += 2;
        int total = prefixLength + dict.Length + 1;
        int padded = (total + Alignment - 1) / Alignment * Alignment;
        string text = dict + new string(' ', padded - total) + "\n";

        Span<byte> prefix = stackalloc byte[12];
        Magic.CopyTo(prefix);
        int headerLength = padded - prefixLength;
        if (prefixLength == 10)
        {
            prefix[6] = 1; prefix[7] = 0;
            BinaryPrimitives.WriteUInt16LittleEndian(prefix[8..], (ushort)headerLength);
        }
        else
        {
            prefix[6] = 2; prefix[7] = 0;
            BinaryPrimitives.WriteUInt32LittleEndian(prefix[8..], (uint)headerLength);
        }
        stream.Write(prefix[..prefixLength]);
        stream.Write(Encoding.Latin1.GetBytes(text));
        stream.Write(BytesOf(tensor.Data, tensor.Type));
    }

    /// <summary>The NumPy dtype string of <paramref name="type"/> as written into headers ('&lt;f4', '|b1', ...).</summary>
    public static string Descr(DataType type) => type switch
    {
        DataType.Float32 => "<f4",
        DataType.Float16 => "<f2",
        DataType.Float64 => "<f8",
        DataType.Int64 => "<i8",
        DataType.Int32 => "<i4",
        DataType.Int8 => "|i1",
        DataType.UInt8 => "|u1",
        DataType.Bool => "|b1",
        _ => throw new NotSupportedException($"{type.Name()} tensors cannot be written as .npy"),
    };

    private static DataType ParseDescr(string descr, string name)
    {
        if (descr.Length < 2) throw Unsupported(descr, name);
        char order = descr[0];
        string kind = order is '<' or '>' or '|' or '=' ? descr[1..] : descr;
        DataType type = kind switch
        {
            "f4" => DataType.Float32,
            "f2" => DataType.Float16,
            "f8" => DataType.Float64,
            "i8" => DataType.Int64,
            "i4" => DataType.Int32,
            "i1" => DataType.Int8,
            "u1" => DataType.UInt8,
            "b1" => DataType.Bool,
            _ => throw Unsupported(descr, name),
        };
        // Byte order is meaningless for one-byte types, so NumPy's '|' and a stray '>' are both fine there.
        if (order == '>' && type.SizeOf() > 1)
            throw new NpyFormatException(name, $"dtype '{descr}' is big-endian; only little-endian data is supported (use arr.astype('<{kind}'))");
        if (order == '|' && type.SizeOf() > 1)
            throw new NpyFormatException(name, $"dtype '{descr}' has no byte order although its elements are {type.SizeOf()} bytes");
        return type;
    }

    private static NpyFormatException Unsupported(string descr, string name) =>
        new(name, $"dtype '{descr}' is not supported (supported: float32, float16, float64, int64, int32, int8, uint8, bool)");

    private static int[] CheckShape(long[] dims, string name)
    {
        // Multiply in double so that 2^40-style claims are reported without overflowing a long.
        double count = 1;
        foreach (long d in dims) count *= d;
        string text = "(" + string.Join(", ", dims) + ")";
        if (count > Tensor.MaxElements)
            throw new NpyFormatException(name, $"shape {text} claims {count:0} elements, more than the {Tensor.MaxElements} a tensor may hold");
        foreach (long d in dims)
        {
            if (d > int.MaxValue)
                throw new NpyFormatException(name, $"shape {text} has a dimension larger than {int.MaxValue}");
        }
        return Array.ConvertAll(dims, d => (int)d);
    }

    /// <summary>Bytes left in a seekable stream, or null when the stream cannot say.</summary>
    private static long? Remaining(Stream stream)
    {
        if (!stream.CanSeek) return null;
        return Math.Max(0, stream.Length - stream.Position);
    }

    /// <summary>
    /// Without a known length the claimed size cannot be checked up front, so the data is read
    /// in bounded chunks and the tensor is allocated only once all claimed bytes have arrived.
    /// </summary>
    private static Array ReadUnseekable(Stream stream, DataType type, long count, long byteCount, int[] shape, string name)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        while (buffer.Length < byteCount)
        {
            int want = (int)Math.Min(chunk.Length, byteCount - buffer.Length);
            int n = stream.Read(chunk, 0, want);
            if (n == 0)
                throw new NpyFormatException(name, $"data is truncated: shape {Tensor.ShapeText(shape)} of {type.Name()} needs {byteCount} bytes but only {buffer.Length} follow the header");
            buffer.Write(chunk, 0, n);
        }
        Array data = Array.CreateInstance(Tensor.ElementClrType(type), count);
        buffer.GetBuffer().AsSpan(0, (int)byteCount).CopyTo(BytesOf(data, type));
        return data;
    }

    /// <summary>The raw little-endian bytes of a tensor's element array, without copying.</summary>
    private static Span<byte> BytesOf(Array data, DataType type) =>
        MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(data), checked(data.Length * type.SizeOf()));

    /// <summary>NumPy treats any non-zero byte as True; .NET bools must be exactly 0 or 1.</summary>
    private static void NormalizeBools(Span<byte> bytes)
    {
        foreach (ref byte b in bytes) b = b != 0 ? (byte)1 : (byte)0;
    }

    private static void EnsureLittleEndianHost()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException(".npy I/O assumes a little-endian host (x86-64 and ARM64 are)");
    }
}
