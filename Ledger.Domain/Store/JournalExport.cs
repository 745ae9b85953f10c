using System.Globalization;
using System.Text;
using Dapper;
using Ledger.Domain.Model;

namespace Ledger.Domain.Store;

/// <summary>
/// The whole journal as a plain-text accounting journal (hledger / ledger-cli syntax) for auditors:
/// accounts named "code name", amounts in yuan of the declared commodity CNY, transactions in date
/// order (then sequence), each coded with its sequence number and tagged with it and its hashes; a unit
/// is a posting tag, never a name. Passes <c>hledger check -s ordereddates</c>. Streams a month at a time.
/// </summary>
public sealed partial class JournalExport(LedgerDatabase db, Journal journal)
{
    /// <summary>The declared commodity of every amount (hledger --strict refuses undeclared ones).</summary>
    public const string Commodity = "CNY";

    public async Task WriteAsync(CommunityInfo community, TextWriter output, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        var read = new ReadScope(connection, null, db.Dialect);
        var chart = await Journal.LoadChartAsync(read, community.Id);
        await output.WriteLineAsync($"; {community.Name} ({community.Slug}): the journal of the common and maintenance funds, amounts in yuan");
        await output.WriteLineAsync("; transactions in date order, then sequence: (sequence) memo, tagged seq, fund, kind, reverses, entry-hash and chain-hash (SHA-256 of the RFC 8785 canonical entry)");
        await output.WriteLineAsync();
        await output.WriteLineAsync($"commodity 1000.00 {Commodity}  ; renminbi yuan, two decimals (the books keep whole fen)");
        await output.WriteLineAsync();
        foreach (var account in chart.Values.OrderBy(a => a.Code, StringComparer.Ordinal))
            await output.WriteLineAsync($"account {Name(account)}  ; type:{HledgerType(account.Kind)}, fund:{account.Fund}");
        await output.WriteLineAsync();
        // hledger's strict checks want dates in order and every commodity declared: transactions go
        // by date, then sequence (one month at a time, so a back-dated entry lands where it belongs),
        // and the sequence stays visible as the code and as a tag.
        var months = await connection.QueryAsync<string>(
            "SELECT DISTINCT month FROM entries WHERE community_id = @Id ORDER BY month", new { community.Id });
        foreach (var month in months)
        {
            var entries = new List<JournalEntry>();
            long after = 0;
            while (true)
            {
                var page = await journal.ReadAsync(read, community, "e.month = @month AND e.seq > @after", new { community.Id, month, after }, 2000);
                if (page.Count == 0) break;
                entries.AddRange(page);
                after = page[^1].Entry.Seq;
            }
            var sb = new StringBuilder(entries.Count * 200);
            foreach (var posted in entries.OrderBy(p => p.Entry.Date).ThenBy(p => p.Entry.Seq))
            {
                var e = posted.Entry;
                sb.Append(Dates.Format(e.Date)).Append(" (").Append(e.Seq).Append(") ").Append(Description(e.Memo))
                    .Append("  ; seq:").Append(e.Seq).Append('\n');
                sb.Append("    ; fund:").Append(e.Fund).Append(", kind:").Append(posted.Kind);
                if (e.Reverses is { } r) sb.Append(", reverses:").Append(r);
                sb.Append('\n').Append("    ; entry-hash:").Append(posted.EntryHash).Append(", chain-hash:").Append(posted.ChainHash).Append('\n');
                foreach (var line in e.Lines)
                {
                    var amount = (line.IsDebit ? line.Amount : -line.Amount) / 100m;
                    sb.Append("    ").Append(Name(chart[line.Account])).Append("  ")
                        .Append(amount.ToString("0.00", CultureInfo.InvariantCulture)).Append(' ').Append(Commodity);
                    if (line.UnitId is { } u) sb.Append("  ; unit:").Append(u);
                    sb.Append('\n');
                }
                sb.Append('\n');
            }
            await output.WriteAsync(sb, ct);
        }
    }

    /// <summary>
    /// A memo as a transaction's description, on one line: memos may carry line breaks (a reversal's reason, a spending
    /// request's description), and a line break there would end the transaction and let the rest of the memo be read as
    /// postings and transactions of its own. A semicolon would start a comment.
    /// </summary>
    public static string Description(string memo) => LineBreaks().Replace(memo.Replace(';', '；'), " ");

    [System.Text.RegularExpressions.GeneratedRegex(@"[\r\n\v\f\u0085\u2028\u2029]+")]
    private static partial System.Text.RegularExpressions.Regex LineBreaks();

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
