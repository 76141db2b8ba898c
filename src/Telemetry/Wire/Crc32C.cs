using System.Buffers.Binary;
using System.Numerics;

namespace EdgeAgent.Telemetry.Wire;

/// <summary>CRC-32C (Castagnoli), hardware-accelerated where the CPU has it (SSE4.2, ARMv8 CRC).</summary>
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(0xFFFF_FFFFu, data);

    /// <summary>Continues a running (pre-inverted) CRC; start with 0xFFFFFFFF and invert at the end.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return crc;
    }
}
