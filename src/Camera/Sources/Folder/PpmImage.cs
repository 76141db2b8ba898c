using System.Text;

namespace EdgeAgent.Camera.Sources.Folder;

/// <summary>
/// Reads binary PPM (P6, maxval 255): the simplest packed-RGB image format, and what ffmpeg's
/// ppm encoder emits when it decodes a PNG or JPEG for the folder source.
/// </summary>
public static class PpmImage
{
    public static (int Width, int Height, int DataOffset) ReadHeader(ReadOnlySpan<byte> file)
    {
        if (file.Length < 2 || file[0] != 'P' || file[1] != '6')
            throw new FormatException("not a binary PPM file (missing P6 magic)");
        int pos = 2;
        int width = ReadNumber(file, ref pos, "width");
        int height = ReadNumber(file, ref pos, "height");
        int maxval = ReadNumber(file, ref pos, "maxval");
        if (maxval != 255)
            throw new FormatException($"PPM maxval {maxval} is not supported (only 8-bit, 255)");
        if (pos >= file.Length || !IsSpace(file[pos]))
            throw new FormatException("PPM header is not followed by whitespace");
        pos++;
        if (width is < 1 or > 8192 || height is < 1 or > 8192)
            throw new FormatException($"PPM image {width}x{height} is out of range (1..8192)");
        long expected = (long)width * height * 3;
        if (file.Length - pos < expected)
            throw new FormatException($"PPM data is truncated: {file.Length - pos} of {expected} bytes");
        return (width, height, pos);
    }

    public static byte[] Write(ReadOnlySpan<byte> rgb, int width, int height)
    {
        byte[] header = Encoding.ASCII.GetBytes($"P6\n{width} {height}\n255\n");
        var file = new byte[header.Length + rgb.Length];
        header.CopyTo(file, 0);
        rgb.CopyTo(file.AsSpan(header.Length));
        return file;
    }

    private static int ReadNumber(ReadOnlySpan<byte> file, ref int pos, string what)
    {
        while (pos < file.Length)
        {
            if (file[pos] == '#')
            {
                while (pos < file.Length && file[pos] != '\n')
                    pos++;
            }
            else if (IsSpace(file[pos]))
            {
                pos++;
            }
            else
            {
                break;
            }
        }
        int value = 0, digits = 0;
        while (pos < file.Length && file[pos] is >= (byte)'0' and <= (byte)'9')
        {
            if (++digits > 6)
                throw new FormatException($"PPM {what} is too large");
            value = value * 10 + (file[pos] - '0');
            pos++;
        }
        if (digits == 0)
            throw new FormatException($"PPM header has no {what}");
        return value;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';
}
