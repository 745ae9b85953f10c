using Ledger.Api.RoleHolders;
using static Ledger.Api.Public.Html;

namespace Ledger.Api.Public;

/// <summary>The "who holds which role" section of <c>/p/{c}</c>: owners see who spends, who approves and since when.</summary>
public static class RolesSection
{
    private static readonly Dictionary<string, (string Zh, string En)> Names = new(StringComparer.Ordinal)
    {
        ["trustee"] = ("受托人工作人员", "Trustee staff"),
        ["trustee_manager"] = ("受托人项目负责人", "Trustee manager"),
        ["supervisor"] = ("监察人", "Supervisor"),
        ["committee"] = ("业委会委员", "Owners' committee"),
        ["community_admin"] = ("社区管理员", "Community administrator"),
    };

    public static string Render(Texts t, IReadOnlyList<RoleHolderDto> holders)
    {
        string W(string zh, string en) => t.IsEnglish ? en : zh;
        var rows = holders.Select(h => new[]
        {
            E(Names.TryGetValue(h.Role, out var n) ? W(n.Zh, n.En) : h.Role), E(h.DisplayName),
            E(h.Since is null ? W("启用前", "before records") : h.Since[..10]),
        });
        return $"<h2>{E(W("履职人员", "Who holds which role"))}</h2>"
            + (holders.Count == 0 ? $"<p>{E(W("尚无。", "None yet."))}</p>" : Table([W("职责", "Role"), W("姓名", "Name"), W("任职起始", "Since")], rows));
    }
}
