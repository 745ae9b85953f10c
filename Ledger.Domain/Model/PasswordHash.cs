using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.Domain.Model;

/// <summary>
/// Password hashes in the format of ASP.NET Core Identity's PasswordHasher (version 3), with the BCL's
/// PBKDF2, so every hash stored before keeps verifying and the domain needs no web framework:
/// 0x01, PRF (uint32 big-endian: 1 = HMAC-SHA256, 2 = HMAC-SHA512), iterations, salt length, salt, subkey.
/// New hashes: HMAC-SHA512, 100,000 iterations, 16-byte salt, 32-byte subkey (the framework's defaults).
/// </summary>
public static class PasswordHash
{
    private const int Iterations = 100_000;
    private const int SaltBytes = 16;
    private const int SubkeyBytes = 32;

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var subkey = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA512, SubkeyBytes);
        var output = new byte[13 + SaltBytes + SubkeyBytes];
        output[0] = 0x01;
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(1), 2);
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(5), Iterations);
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(9), SaltBytes);
        salt.CopyTo(output, 13);
        subkey.CopyTo(output, 13 + SaltBytes);
        return Convert.ToBase64String(output);
    }

    /// <summary>Whether <paramref name="password"/> matches <paramref name="hash"/>; false for anything malformed, in constant time over the subkey.</summary>
    public static bool Verify(string hash, string password)
    {
        Span<byte> bytes = stackalloc byte[256];
        if (!Convert.TryFromBase64String(hash, bytes, out var length) || length < 13 || bytes[0] != 0x01) return false;
        bytes = bytes[..length];
        HashAlgorithmName? prf = BinaryPrimitives.ReadUInt32BigEndian(bytes[1..]) switch
        {
            0 => HashAlgorithmName.SHA1,
            1 => HashAlgorithmName.SHA256,
            2 => HashAlgorithmName.SHA512,
            _ => null,
        };
        var iterations = BinaryPrimitives.ReadUInt32BigEndian(bytes[5..]);
        var saltLength = BinaryPrimitives.ReadUInt32BigEndian(bytes[9..]);
        if (prf is null || iterations is 0 or > 10_000_000 || saltLength < 16 || 13 + saltLength + 16 > length) return false;
        var salt = bytes.Slice(13, (int)saltLength);
        var expected = bytes[(13 + (int)saltLength)..];
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt.ToArray(), (int)iterations, prf.Value, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
