using System.Runtime.InteropServices;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Onnx.Proto;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Onnx;

/// <summary>
/// Decodes ONNX TensorProtos (raw_data, typed fields, or external data files) into tensors.
/// Every claimed size is checked against the bytes actually present before allocating.
/// </summary>
public sealed class OnnxTensorReader
{
    private readonly string? _modelDirectory;

    /// <param name="modelDirectory">Folder external data is resolved against; null forbids external data.</param>
    public OnnxTensorReader(string? modelDirectory) => _modelDirectory = modelDirectory;

    public Tensor Read(TensorProto proto, string what)
    {
        var type = DataTypeInfo.FromOnnx(proto.DataType);
        if (type is DataType.Undefined or DataType.String)
            throw new ModelFormatException($"{what} has element type {DataTypeInfo.OnnxName(proto.DataType)}, which is not supported");

        int[] shape = new int[proto.Dims.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            long d = proto.Dims[i];
            if (d < 0 || d > int.MaxValue)
                throw new ModelFormatException($"{what} has an invalid dimension {d}");
            shape[i] = (int)d;
        }
        long count;
        try { count = Tensor.ElementCount(shape); }
        catch (ArgumentException e) { throw new ModelFormatException($"{what}: {e.Message}"); }

        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
            return FromBytes(type, shape, count, ReadExternal(proto, what, count * type.SizeOf()), what);
        if (proto.HasRawData)
            return FromBytes(type, shape, count, proto.RawData.Span, what);
        return FromTypedFields(proto, type, shape, count, what);
    }

    private static Tensor FromBytes(DataType type, int[] shape, long count, ReadOnlySpan<byte> bytes, string what)
    {
        long expected = count * type.SizeOf();
        if (bytes.Length != expected)
            throw new ModelFormatException($"{what} claims shape {Tensor.ShapeText(shape)} ({expected} bytes) but holds {bytes.Length} bytes");
        var tensor = Tensor.Zeros(type, shape);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("big-endian hosts are not supported");
        switch (tensor.Data)
        {
            case float[] f: bytes.CopyTo(MemoryMarshal.AsBytes(f.AsSpan())); break;
            case long[] l: bytes.CopyTo(MemoryMarshal.AsBytes(l.AsSpan())); break;
            case int[] i: bytes.CopyTo(MemoryMarshal.AsBytes(i.AsSpan())); break;
            case double[] d: bytes.CopyTo(MemoryMarshal.AsBytes(d.AsSpan())); break;
            case Half[] h: bytes.CopyTo(MemoryMarshal.AsBytes(h.AsSpan())); break;
            case sbyte[] s: bytes.CopyTo(MemoryMarshal.AsBytes(s.AsSpan())); break;
            case byte[] b: bytes.CopyTo(b); break;
            case bool[] bo: for (int k = 0; k < bo.Length; k++) bo[k] = bytes[k] != 0; break;
        }
        return tensor;
    }

    private static Tensor FromTypedFields(TensorProto p, DataType type, int[] shape, long count, string what)
    {
        int available = type switch
        {
            DataType.Float32 => p.FloatData.Count,
            DataType.Int64 => p.Int64Data.Count,
            DataType.Float64 => p.DoubleData.Count,
            _ => p.Int32Data.Count, // int32, int8, uint8, bool and float16 (as bits) live in int32_data
        };
        if (available != count)
            throw new ModelFormatException($"{what} claims shape {Tensor.ShapeText(shape)} ({count} elements) but holds {available}");
        var t = Tensor.Zeros(type, shape);
        switch (t.Data)
        {
            case float[] f: p.FloatData.CopyTo(f, 0); break;
            case long[] l: p.Int64Data.CopyTo(l, 0); break;
            case double[] d: p.DoubleData.CopyTo(d, 0); break;
            case int[] i: p.Int32Data.CopyTo(i, 0); break;
            case sbyte[] s: for (int k = 0; k < s.Length; k++) s[k] = (sbyte)p.Int32Data[k]; break;
            case byte[] b: for (int k = 0; k < b.Length; k++) b[k] = (byte)p.Int32Data[k]; break;
            case bool[] bo: for (int k = 0; k < bo.Length; k++) bo[k] = p.Int32Data[k] != 0; break;
            case Half[] h: for (int k = 0; k < h.Length; k++) h[k] = BitConverter.UInt16BitsToHalf((ushort)p.Int32Data[k]); break;
        }
        return t;
    }

    private byte[] ReadExternal(TensorProto proto, string what, long expectedBytes)
    {
        var entries = proto.ExternalData.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        if (!entries.TryGetValue("location", out var location) || location.Length == 0)
            throw new ModelFormatException($"{what} is stored externally but names no location");
        if (_modelDirectory is null)
            throw new ModelFormatException($"{what} is stored in external file '{location}', but the model was not loaded from a folder");
        string path = ResolveExternalPath(location, what);
        long offset = ParseLong(entries, "offset", 0, what);
        long length = ParseLong(entries, "length", expectedBytes, what);
        if (length != expectedBytes)
            throw new ModelFormatException($"{what}: external data length {length} does not match its shape ({expectedBytes} bytes)");
        if (!File.Exists(path))
            throw new ModelFormatException($"{what}: external data file '{location}' not found next to the model (looked for {path})");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (offset < 0 || offset + length > stream.Length)
            throw new ModelFormatException($"{what}: external data range {offset}+{length} lies outside '{location}' ({stream.Length} bytes)");
        var bytes = new byte[length];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>External data must stay inside the model's folder: no absolute paths, no '..'.</summary>
    private string ResolveExternalPath(string location, string what)
    {
        if (Path.IsPathRooted(location) || location.StartsWith('~'))
            throw new ModelFormatException($"{what}: external data location '{location}' is an absolute path; only paths relative to the model's folder are allowed");
        var segments = location.Split('/', '\\');
        if (segments.Any(s => s == ".."))
            throw new ModelFormatException($"{what}: external data location '{location}' leaves the model's folder ('..' is not allowed)");
        string root = Path.GetFullPath(_modelDirectory!);
        string full = Path.GetFullPath(Path.Combine(root, location));
        if (!full.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ModelFormatException($"{what}: external data location '{location}' leaves the model's folder");
        return full;
    }

    private static long ParseLong(Dictionary<string, string> entries, string key, long fallback, string what)
    {
        if (!entries.TryGetValue(key, out var text)) return fallback;
        return long.TryParse(text, out long v) && v >= 0
            ? v
            : throw new ModelFormatException($"{what}: external data {key} '{text}' is not a non-negative integer");
    }
}
