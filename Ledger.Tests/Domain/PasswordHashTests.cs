using Ledger.Domain.Model;
using Microsoft.AspNetCore.Identity;

namespace Ledger.Tests.Domain;

/// <summary>Password hashing with the BCL's PBKDF2 in ASP.NET Core Identity's format: hashes stored before the change keep verifying, both ways.</summary>
public sealed class PasswordHashTests
{
    private sealed class Someone;
    private static readonly PasswordHasher<Someone> Framework = new();

    [Fact]
    public void A_hash_made_by_the_framework_verifies_and_a_wrong_password_does_not()
    {
        var stored = Framework.HashPassword(new Someone(), "correct horse battery staple");
        Assert.True(PasswordHash.Verify(stored, "correct horse battery staple"));
        Assert.False(PasswordHash.Verify(stored, "correct horse battery stapler"));
        Assert.False(PasswordHash.Verify(stored, ""));
    }

    [Fact]
    public void A_hash_made_here_verifies_in_the_framework_and_is_salted()
    {
        var hash = PasswordHash.Hash("业主密码 2026");
        Assert.Equal(PasswordVerificationResult.Success, Framework.VerifyHashedPassword(new Someone(), hash, "业主密码 2026"));
        Assert.Equal(PasswordVerificationResult.Failed, Framework.VerifyHashedPassword(new Someone(), hash, "业主密码 2025"));
        Assert.True(PasswordHash.Verify(hash, "业主密码 2026"));
        Assert.NotEqual(hash, PasswordHash.Hash("业主密码 2026"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 at all!")]
    [InlineData("AQ==")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // a version-2 header: never written by this service
    public void Malformed_or_foreign_hashes_never_verify(string hash) => Assert.False(PasswordHash.Verify(hash, "anything"));

    [Fact]
    public void A_truncated_or_tampered_hash_does_not_verify()
    {
        var hash = Convert.FromBase64String(PasswordHash.Hash("secret password"));
        Assert.False(PasswordHash.Verify(Convert.ToBase64String(hash[..40]), "secret password"));
        hash[^1] ^= 1;
        Assert.False(PasswordHash.Verify(Convert.ToBase64String(hash), "secret password"));
    }
}
