using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeAgent.Camera.Sources.Folder;

/// <summary>
/// Reads NumPy .npy files (format 1.0–3.0) holding one packed image: dtype uint8, C order,
/// shape (height, width, 3). That is what <c>numpy.save</c> writes for an OpenCV or PIL image.
/// </summary>
public static partial class NpyImage
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Returns the image size and where its pixels start; throws <see cref="FormatException"/> naming the problem.</summary>
    public static (int Width, int Height, int DataOffset) ReadHeader(ReadOnlySpan<byte> file)
    {
        if (file.Length < 10 || !file[..6].SequenceEqual(Magic))
            throw new FormatException("not a .npy file (missing \\x93NUMPY magic)");
        byte major = file[6];
        int headerLength, headerStart;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(file[8..]);
                headerStart = 10;
                break;
            case 2 or 3:
                if (file.Length < 12)
                    throw new FormatException("truncated .npy header");
                uint len = BinaryPrimitives.ReadUInt32LittleEndian(file[8..]);
                if (len > 1 << 20)
                    throw new FormatException($".npy header length {len} is implausible");
                headerLength = (int)len;
                headerStart = 12;
                break;
            default:
                throw new FormatException($".npy format version {major}.{file[7]} is not supported (1.0 to 3.0 are)");
        }
        if (file.Length < headerStart + headerLength)
            throw new FormatException("truncated .npy header");
        string header = Encoding.Latin1.GetString(file.Slice(headerStart, headerLength));

        Match descr = Descr().Match(header);
        if (!descr.Success)
            throw new FormatException(".npy header has no 'descr'");
        if (descr.Groups[1].Value is not ("|u1" or "<u1" or ">u1" or "u1"))
            throw new FormatException($".npy dtype '{descr.Groups[1].Value}' is not supported; images must be uint8 (|u1)");
        Match fortran = Fortran().Match(header);
        if (!fortran.Success)
            throw new FormatException(".npy header has no 'fortran_order'");
        if (fortran.Groups[1].Value == "True")
            throw new FormatException(".npy array is in Fortran order; save it in C order");
        Match shape = Shape().Match(header);
        if (!shape.Success)
            throw new FormatException(".npy header has no 'shape'");
        string[] dims = shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (dims.Length != 3
            || !int.TryParse(dims[0], NumberStyles.None, CultureInfo.InvariantCulture, out int height)
            || !int.TryParse(dims[1], NumberStyles.None, CultureInfo.InvariantCulture, out int width)
            || dims[2] != "3")
            throw new FormatException($".npy shape ({shape.Groups[1].Value}) is not (height, width, 3)");
        if (width is < 1 or > 8192 || height is < 1 or > 8192)
            throw new FormatException($".npy image {width}x{height} is out of range (1..8192)");

        int dataOffset = headerStart + headerLength;
        long expected = (long)width * height * 3;
        if (file.Length - dataOffset < expected)
            throw new FormatException($".npy data is truncated: {file.Length - dataOffset} of {expected} bytes");
        return (width, height, dataOffset);
    }

    /// <summary>Writes a (height, width, 3) uint8 image as .npy version 1.0.</summary>
    public static byte[] Write(ReadOnlySpan<byte> pixels, int width, int height)
    {
        string dict = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '|u1', 'fortran_order': False, 'shape': ({height}, {width}, 3), }}");
        int unpadded = 10 + dict.Length + 1;
        int pad = (64 - unpadded % 64) % 64;
        string header = dict + new string(' ', pad) + "\n";
        var file = new byte[10 + header.Length + pixels.Length];
        Magic.CopyTo(file);
        file[6] = 1;
        file[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(8), (ushort)header.Length);
        Encoding.Latin1.GetBytes(header, file.AsSpan(10));
        pixels.CopyTo(file.AsSpan(10 + header.Length));
        return file;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex Descr();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex Fortran();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex Shape();
}
