namespace Ledger.Domain.Model;

/// <summary>
/// What a new password must be, for users and activations alike: at least 10 characters, not one
/// character repeated or a short pattern repeated (<c>aaaaaaaaaa</c>, <c>abcabcabca</c>), not a run along the
/// alphabet, the digits or a keyboard row (<c>1234567890</c>, <c>qwertyuiop</c>), and not one of the
/// passwords people use most (with or without trailing digits and punctuation).
/// </summary>
public static class PasswordPolicy
{
    public const int MinLength = 10;

    private static readonly string[] Runs = ["abcdefghijklmnopqrstuvwxyz", "01234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc4rfv5tgb", "1q2w3e4r5t6y7u8i9o0p"];

    private static readonly HashSet<string> Common = new(StringComparer.Ordinal)
    {
        "password", "passw0rd", "p@ssw0rd", "p@ssword", "iloveyou", "woaini", "woaini1314", "woaiwojia", "qwerty", "qwertyuiop",
        "admin", "administrator", "welcome", "letmein", "abc123", "a123456", "aa123456", "qq123456", "zxcvbnm", "asdfghjkl",
        "1qaz2wsx", "1q2w3e4r", "qazwsx", "qwe123", "123qwe", "monkey", "dragon", "sunshine", "princess", "football", "baseball",
        "superman", "trustno1", "changeme", "secret", "master", "shadow", "michael", "computer", "internet", "ledger", "ledger2026",
        "wuye", "wuyefei", "yezhu", "xiaoqu", "123456789a", "1234567890a", "a1234567890", "password1", "password123",
    };

    /// <summary>Null when acceptable, else a message that says what is wrong.</summary>
    public static string? Problem(string? password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinLength) return $"At least {MinLength} characters.";
        var lower = password.ToLowerInvariant();
        if (lower.Distinct().Count() < 4) return "Too repetitive: use more different characters.";
        for (var period = 1; period <= lower.Length / 2; period++)
            if (Enumerable.Range(period, lower.Length - period).All(i => lower[i] == lower[i - period]))
                return "Too repetitive: a short pattern repeated.";
        if (Runs.Any(run => run.Contains(lower, StringComparison.Ordinal) || Reverse(run).Contains(lower, StringComparison.Ordinal)))
            return "A sequence along the keyboard, the alphabet or the digits is easy to guess.";
        var core = lower.TrimEnd("0123456789!@#$%^&*.-_ ".ToCharArray());
        if (lower.All(char.IsDigit)) return "Digits only (a date, a phone number) are easy to guess; add letters.";
        if (Common.Contains(lower) || Common.Contains(core))
            return "This is one of the most common passwords; choose another.";
        return null;
    }

    private static string Reverse(string s) => new(s.Reverse().ToArray());
}
