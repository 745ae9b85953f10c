using System.Globalization;
using System.Text;
using Dapper;
using Ledger.Domain.Model;
using Ledger.Domain.Store;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.Bench;

/// <summary>
/// Copies a community generated through the store's code into new communities by bulk SQL on PostgreSQL,
/// so a city of them exists in minutes instead of hours. Every table with a <c>community_id</c> column is
/// copied (<c>INSERT … SELECT</c>, parents before children by their foreign keys) with the new community's
/// id; ids of the community's own rows (units, owners, bills, payments, …: identity columns, the columns
/// that refer to them, and <see cref="IdColumns"/>) are moved by a fixed offset per clone, so every
/// reference stays within the clone. The journal is not copied as is: each entry's hash is recomputed from
/// its canonical form with the clone's slug and moved unit ids, and the chain re-walked from genesis (in
/// C#, <see cref="Entry.ComputeHash"/> and <see cref="HashChain.Next"/>, the code that posting uses), so
/// <see cref="Integrity"/> verifies each clone on its own. Lines, balances, bills, payments and settlements
/// are the template's rows. The balanced-entry trigger, the foreign keys and the references checked in sets
/// (<see cref="CheckedReferences"/>) check every copied row as they would any write. A template with published statements is refused: their bodies name the community and
/// would need rebuilding (the generator clones one-month histories, which have none).
/// </summary>
public sealed class CommunityClone
{
    /// <summary>Columns holding a community's own row ids that no foreign key declares (e.g. unit_balances.unit_id).</summary>
    public static readonly string[] IdColumns = ["unit_id", "owner_id", "bill_id", "payment_id"];

    private static readonly HashSet<string> Global = ["communities", "users"];

    /// <summary>References PostgreSQL checks in sets instead of by a foreign key (migration 0021): not in <c>pg_constraint</c>.</summary>
    private static readonly (string From, string To, string[] FromColumns, string[] ToColumns)[] CheckedReferences =
    [
        ("entries", "funds", ["community_id", "fund"], ["community_id", "code"]),
        ("entries", "entries", ["community_id", "reverses_seq"], ["community_id", "seq"]),
        ("entry_lines", "entries", ["community_id", "seq"], ["community_id", "seq"]),
        ("entry_lines", "accounts", ["community_id", "account_code"], ["community_id", "code"]),
        ("entry_lines", "units", ["community_id", "unit_id"], ["community_id", "id"]),
        ("bills", "entries", ["community_id", "seq"], ["community_id", "seq"]),
        ("bills", "units", ["community_id", "unit_id"], ["community_id", "id"]),
        ("bills", "bills", ["late_fee_of"], ["id"]),
    ];

    private sealed record Table(string Name, string[] Columns, HashSet<string> Shifted, bool HasIdentity);

    private readonly LedgerDatabase _db;
    private readonly CommunityInfo _template;
    private readonly List<Table> _tables;
    private readonly List<JournalEntry> _journal;
    private readonly string[] _communityColumns;

    /// <summary>The stride between clones' ids: above every id in the database when the cloner was made.</summary>
    public long Stride { get; }

    /// <summary>Columns shifted by the offset, per table, for the record.</summary>
    public string Describe() => string.Join("; ", _tables.Where(t => t.Shifted.Count > 0).Select(t => $"{t.Name}({string.Join(",", t.Shifted.Order())})"));

    private CommunityClone(LedgerDatabase db, CommunityInfo template, List<Table> tables, List<JournalEntry> journal, string[] communityColumns, long stride)
    {
        _db = db;
        _template = template;
        _tables = tables;
        _journal = journal;
        _communityColumns = communityColumns;
        Stride = stride;
    }

    /// <summary>Reads the schema and the template's journal once. Generate everything else through the store before this.</summary>
    public static async Task<CommunityClone> PrepareAsync(LedgerDatabase db, CommunityInfo template)
    {
        await using var c = await db.OpenAsync();
        var columns = (await c.QueryAsync<(string Table, string Column, bool Identity)>("""
            SELECT cl.relname::text, a.attname::text, a.attidentity <> ''
            FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace JOIN pg_attribute a ON a.attrelid = cl.oid
            WHERE n.nspname = current_schema() AND cl.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
            ORDER BY cl.relname, a.attnum
            """)).ToLookup(r => r.Table);
        var keys = (await c.QueryAsync<(string From, string To, string[] FromColumns, string[] ToColumns)>("""
            SELECT f.relname::text, t.relname::text,
                   ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY x(n, i) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.n ORDER BY x.i),
                   ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY x(n, i) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = x.n ORDER BY x.i)
            FROM pg_constraint k JOIN pg_class f ON f.oid = k.conrelid JOIN pg_class t ON t.oid = k.confrelid
            WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace
            """)).Concat(CheckedReferences).ToList();
        var identityTables = columns.Where(g => !Global.Contains(g.Key) && g.Any(r => r.Column == "id" && r.Identity)).Select(g => g.Key).ToHashSet();
        var cloned = columns.Where(g => !Global.Contains(g.Key) && g.Any(r => r.Column == "community_id")).Select(g => g.Key).ToHashSet();

        var tables = new Dictionary<string, Table>();
        foreach (var name in cloned)
        {
            var cols = columns[name].Select(r => r.Column).ToArray();
            var shifted = new HashSet<string>(cols.Where(col => IdColumns.Contains(col)));
            if (identityTables.Contains(name)) shifted.Add("id");
            foreach (var k in keys.Where(k => k.From == name && identityTables.Contains(k.To)))
                for (var i = 0; i < k.ToColumns.Length; i++)
                    if (k.ToColumns[i] == "id") shifted.Add(k.FromColumns[i]);
            tables[name] = new Table(name, cols, shifted, columns[name].Any(r => r.Identity));
        }
        // Parents first (self-references are checked at the end of their own statement).
        var order = new List<Table>();
        var done = new HashSet<string>();
        void Visit(string name, HashSet<string> path)
        {
            if (done.Contains(name)) return;
            if (!path.Add(name)) throw new InvalidOperationException($"foreign-key cycle through {name}");
            foreach (var k in keys.Where(k => k.From == name && k.To != name && tables.ContainsKey(k.To))) Visit(k.To, path);
            done.Add(name);
            order.Add(tables[name]);
        }
        foreach (var name in tables.Keys.Order(StringComparer.Ordinal)) Visit(name, []);

        var statements = await c.QuerySingleAsync<long>("SELECT count(*) FROM statements WHERE community_id = @Id", new { template.Id });
        if (statements > 0) throw new NotSupportedException($"{template.Slug} has {statements} statements; clone a history without a closed month");

        var journal = new List<JournalEntry>();
        var read = new ReadScope(c, null, db.Dialect);
        var j = new Journal(db);
        while (true)
        {
            var page = await j.ReadAsync(read, template, "e.seq > @After", new { template.Id, After = journal.Count == 0 ? 0 : journal[^1].Entry.Seq }, 5000);
            if (page.Count == 0) break;
            journal.AddRange(page);
        }
        var communityColumns = columns["communities"].Select(r => r.Column).Where(x => x != "id").ToArray();
        var maxId = 0L;
        foreach (var t in identityTables)
            maxId = Math.Max(maxId, await c.QuerySingleAsync<long>($"SELECT COALESCE(MAX(id), 0) FROM {t}"));
        var stride = 1L;
        while (stride <= maxId) stride *= 10;
        return new CommunityClone(db, template, order, journal, communityColumns, stride);
    }

    /// <summary>Clone number <paramref name="n"/> (1, 2, …) as <paramref name="slug"/>, in one transaction.</summary>
    public async Task<CommunityInfo> CloneAsync(string slug, int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n));
        var offset = Stride * n;
        await using var c = (NpgsqlConnection)await _db.OpenAsync();
        await using var tx = await c.BeginTransactionAsync();
        var id = await c.QuerySingleAsync<long>($"""
            INSERT INTO communities ({string.Join(", ", _communityColumns)})
            SELECT {string.Join(", ", _communityColumns.Select(col => col switch { "slug" => "@slug", "name" => "@name", "head_seq" => "0", "head_chain_hash" => "@genesis", _ => col }))}
            FROM communities WHERE id = @template RETURNING id
            """, new { slug, name = $"{_template.Name} {slug}", genesis = HashChain.Genesis, template = _template.Id }, tx);

        // The clone's journal: the template's entries with the clone's slug and unit ids, hashed and chained anew.
        var hashes = new List<(long Seq, string Entry, string Chain)>(_journal.Count);
        var chain = HashChain.Genesis;
        foreach (var posted in _journal)
        {
            var e = posted.Entry;
            var entry = e with { Community = slug, Lines = e.Lines.Select(l => l.UnitId is { } u ? l with { UnitId = u + offset } : l).ToList() };
            var hash = entry.ComputeHash();
            chain = HashChain.Next(chain, hash);
            hashes.Add((e.Seq, hash, chain));
        }
        await c.ExecuteAsync("CREATE TEMP TABLE clone_hashes (seq BIGINT PRIMARY KEY, entry_hash TEXT NOT NULL, chain_hash TEXT NOT NULL) ON COMMIT DROP", transaction: tx);
        await using (var w = await c.BeginBinaryImportAsync("COPY clone_hashes (seq, entry_hash, chain_hash) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (seq, entryHash, chainHash) in hashes)
            {
                await w.StartRowAsync();
                await w.WriteAsync(seq, NpgsqlDbType.Bigint);
                await w.WriteAsync(entryHash, NpgsqlDbType.Text);
                await w.WriteAsync(chainHash, NpgsqlDbType.Text);
            }
            await w.CompleteAsync();
        }

        var sql = new StringBuilder();
        foreach (var t in _tables)
        {
            string Value(string col) => col switch
            {
                "community_id" => "@id",
                "entry_hash" or "chain_hash" when t.Name is "entries" or "closed_months" => $"h.{col}",
                _ when t.Shifted.Contains(col) => $"x.{col} + @offset",
                _ => $"x.{col}",
            };
            var join = t.Name is "entries" or "closed_months" ? " JOIN clone_hashes h ON h.seq = x.seq" : "";
            sql.Append(CultureInfo.InvariantCulture, $"""
                INSERT INTO {t.Name} ({string.Join(", ", t.Columns)}) {(t.HasIdentity ? "OVERRIDING SYSTEM VALUE " : "")}
                SELECT {string.Join(", ", t.Columns.Select(Value))} FROM {t.Name} x{join} WHERE x.community_id = @template;

                """);
        }
        await c.ExecuteAsync(sql.ToString(), new { id, offset, template = _template.Id }, tx);
        await c.ExecuteAsync("UPDATE communities SET head_seq = @Seq, head_chain_hash = @Chain WHERE id = @id",
            new { id, Seq = hashes.Count == 0 ? 0 : hashes[^1].Seq, Chain = hashes.Count == 0 ? HashChain.Genesis : hashes[^1].Chain }, tx);
        await tx.CommitAsync();
        return _template with { Id = id, Slug = slug, Name = $"{_template.Name} {slug}" };
    }

    /// <summary>After the last clone: identity sequences moved above the clones' ids, so the service's own inserts do not collide.</summary>
    public async Task FinishAsync()
    {
        await using var c = await _db.OpenAsync();
        foreach (var t in _tables.Where(t => t.HasIdentity && t.Shifted.Contains("id")))
            await c.ExecuteAsync($"SELECT setval(pg_get_serial_sequence('{t.Name}', 'id'), GREATEST((SELECT MAX(id) FROM {t.Name}), 1))");
    }
}
