using System.Globalization;
using System.Text;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

/// <summary>
/// The whole journal as a plain-text accounting journal (hledger / ledger-cli syntax) for auditors:
/// accounts named "code name", amounts in yuan, each transaction coded with its sequence number and
/// carrying its hashes as comments; a unit is a posting tag, never a name. Streams in pages.
/// </summary>
public sealed class JournalExport(LedgerDatabase db, Journal journal)
{
    public async Task WriteAsync(CommunityInfo community, TextWriter output, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        var chart = await Journal.LoadChartAsync(connection, community.Id);
        await output.WriteLineAsync($"; {community.Name} ({community.Slug}): the journal of the common and maintenance funds, amounts in yuan");
        await output.WriteLineAsync("; each transaction: (sequence) memo; entry and chain hashes as comments (SHA-256, RFC 8785 canonical entry)");
        await output.WriteLineAsync();
        foreach (var account in chart.Values.OrderBy(a => a.Code, StringComparer.Ordinal))
            await output.WriteLineAsync($"account {Name(account)}  ; type:{HledgerType(account.Kind)}, fund:{account.Fund}");
        await output.WriteLineAsync();
        long after = 0;
        while (true)
        {
            var page = await journal.ReadAsync(connection, community, "e.seq > @after", new { community.Id, after }, 2000);
            if (page.Count == 0) break;
            var sb = new StringBuilder(page.Count * 200);
            foreach (var posted in page)
            {
                var e = posted.Entry;
                sb.Append(Dates.Format(e.Date)).Append(" (").Append(e.Seq).Append(") ").Append(e.Memo.Replace(';', '；')).Append('\n');
                sb.Append("    ; fund:").Append(e.Fund).Append(", kind:").Append(posted.Kind);
                if (e.Reverses is { } r) sb.Append(", reverses:").Append(r);
                sb.Append('\n').Append("    ; entry-hash:").Append(posted.EntryHash).Append(", chain-hash:").Append(posted.ChainHash).Append('\n');
                foreach (var line in e.Lines)
                {
                    var amount = (line.IsDebit ? line.Amount : -line.Amount) / 100m;
                    sb.Append("    ").Append(Name(chart[line.Account])).Append("  ").Append(amount.ToString("0.00", CultureInfo.InvariantCulture));
                    if (line.UnitId is { } u) sb.Append("  ; unit:").Append(u);
                    sb.Append('\n');
                }
                sb.Append('\n');
            }
            await output.WriteAsync(sb, ct);
            after = page[^1].Entry.Seq;
        }
    }

    /// <summary>"code name", with anything hledger reads as syntax (runs of spaces, semicolons, brackets at the start) made plain.</summary>
    public static string Name(AccountDef a) =>
        System.Text.RegularExpressions.Regex.Replace($"{a.Code} {a.Name}", @"\s{2,}|;", " ");

    private static string HledgerType(string kind) => kind switch
    {
        AccountKinds.Asset => "A",
        AccountKinds.Liability => "L",
        AccountKinds.NetAssets => "E",
        AccountKinds.Income => "R",
        _ => "X",
    };
}
