using System.Collections.Concurrent;
using System.Data;
using System.Text;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.Domain.Store;

/// <summary>
/// Many rows at once. On PostgreSQL: a binary <c>COPY … FROM STDIN</c> for a plain insert of many rows
/// (<see cref="CopyThreshold"/> or more), else one statement whose rows come as one array per column
/// (<c>INSERT … SELECT * FROM unnest(@c0, @c1, …)</c>): the SQL text is the same for any row count, so it
/// is parsed once and prepared, and it can ride in a <see cref="StatementBatch"/> with the statements
/// around it, in one round trip. On SQLite (in-process): one statement compiled once and re-run per row.
/// The same INSERT and ON CONFLICT clauses run on both engines.
/// </summary>
public static class Bulk
{
    /// <summary>From this many rows a plain insert on PostgreSQL goes by binary COPY.</summary>
    public const int CopyThreshold = 64;

    /// <param name="insert">"INSERT INTO t (a, b, c)"</param>
    /// <param name="rows">one value array per row, in the column order of <paramref name="insert"/></param>
    /// <param name="suffix">anything after the rows, e.g. an ON CONFLICT clause</param>
    /// <param name="textColumns">columns (by position) that are text even when null in every row (SQLite path)</param>
    public static async Task InsertAsync(WriteScope scope, string insert, IReadOnlyList<object?[]> rows, string suffix = "", params int[] textColumns)
    {
        if (rows.Count == 0) return;
        if (scope.Connection is NpgsqlConnection)
        {
            var batch = new StatementBatch(scope);
            await batch.InsertAsync(insert, rows, suffix);
            await batch.FlushAsync();
            return;
        }
        await InsertRowByRowAsync(scope, insert, rows, suffix, textColumns);
    }

    /// <summary>
    /// Adds <c>amount</c> to <c>paid_fen</c> of each bill <c>id</c> of the rows (id, amount): one statement
    /// with two arrays on PostgreSQL; on SQLite one primary-key update per row (there the batched form made
    /// the planner walk all of a community's bills through its (community_id, month) index each time).
    /// </summary>
    public static Task AddToPaidAsync(WriteScope scope, IReadOnlyList<object?[]> billAmounts)
    {
        if (billAmounts.Count == 0) return Task.CompletedTask;
        if (scope.Connection is NpgsqlConnection)
        {
            var p = new DynamicParameters();
            p.Add("community", scope.Community.Id);
            p.Add("ids", billAmounts.Select(r => (long)r[0]!).ToArray());
            p.Add("amounts", billAmounts.Select(r => (long)r[1]!).ToArray());
            return scope.ExecuteAsync("""
                UPDATE bills SET paid_fen = bills.paid_fen + v.amount
                FROM unnest(@ids, @amounts) AS v (id, amount)
                WHERE bills.community_id = @community AND bills.id = v.id
                """, p);
        }
        return scope.ExecuteAsync("UPDATE bills SET paid_fen = paid_fen + @Amount WHERE id = @Id",
            billAmounts.Select(r => new { Id = (long)r[0]!, Amount = (long)r[1]! }).ToList());
    }

    internal static async Task InsertRowByRowAsync(WriteScope scope, string insert, IReadOnlyList<object?[]> rows, string suffix, int[] textColumns)
    {
        if (rows.Count == 0) return;
        var columns = rows[0].Length;
        // A column that is null in every row still needs a type: bigint ids unless named as text.
        var types = Enumerable.Range(0, columns).Select(j => textColumns.Contains(j) ? DbType.String : TypeOf(rows.Select(r => r[j]).FirstOrDefault(v => v is not null))).ToArray();
        // One row's statement, prepared once and executed for every row.
        var one = $"{insert} VALUES ({string.Join(", ", Enumerable.Range(0, columns).Select(j => $"@p{j}"))}) {suffix}";
        await scope.ExecuteAsync(one, rows.Select(row =>
        {
            var p = new DynamicParameters();
            for (var j = 0; j < columns; j++) p.Add($"p{j}", row[j], types[j]);
            return p;
        }).ToList());
    }

    private static DbType TypeOf(object? value) => value switch
    {
        string => DbType.String,
        bool => DbType.Boolean,
        int => DbType.Int32,
        byte[] => DbType.Binary,
        _ => DbType.Int64,
    };

    /// <summary>"INSERT INTO t (a, b, c)" → (t, [a, b, c]).</summary>
    internal static (string Table, string[] Columns) Parse(string insert)
    {
        var open = insert.IndexOf('(');
        var table = insert[..open].Trim()["INSERT INTO".Length..].Trim();
        var columns = insert[(open + 1)..insert.LastIndexOf(')')].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return (table, columns);
    }

    private static readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, NpgsqlDbType>> ColumnTypes = new(StringComparer.Ordinal);

    /// <summary>The PostgreSQL types of a table's columns, read once per process (the schema is the migrations').</summary>
    internal static async Task<IReadOnlyDictionary<string, NpgsqlDbType>> ColumnTypesAsync(WriteScope scope, string table)
    {
        if (ColumnTypes.TryGetValue(table, out var known)) return known;
        var rows = await scope.QueryAsync<(string Name, string Type)>(
            "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @table",
            new { table });
        var map = rows.ToDictionary(r => r.Name, r => r.Type switch
        {
            "bigint" => NpgsqlDbType.Bigint,
            "integer" => NpgsqlDbType.Integer,
            "smallint" => NpgsqlDbType.Smallint,
            "boolean" => NpgsqlDbType.Boolean,
            "character" => NpgsqlDbType.Char,
            "bytea" => NpgsqlDbType.Bytea,
            _ => NpgsqlDbType.Text,
        }, StringComparer.Ordinal);
        return ColumnTypes[table] = map;
    }

    internal static object? Convert(object? value, NpgsqlDbType type) => value switch
    {
        null => null,
        long l when type == NpgsqlDbType.Integer => checked((int)l),
        long l when type == NpgsqlDbType.Smallint => checked((short)l),
        int i when type == NpgsqlDbType.Bigint => (long)i,
        _ => value,
    };
}

/// <summary>
/// Statements of one write sent together. On PostgreSQL the statements added are held and sent as one
/// command (one round trip; they run in order, in the write's transaction) when <see cref="FlushAsync"/>
/// is called or before a COPY; on SQLite each runs at once (in-process, there is no round trip to save).
/// </summary>
public sealed class StatementBatch(WriteScope scope)
{
    private readonly StringBuilder _sql = new();
    private DynamicParameters _parameters = new();
    private int _statements;
    private bool Postgres => scope.Connection is NpgsqlConnection;

    /// <summary>Adds a statement; its parameter names must be unique in the batch.</summary>
    public async Task AddAsync(string sql, object parameters)
    {
        if (!Postgres)
        {
            await scope.ExecuteAsync(sql, parameters);
            return;
        }
        if (_statements++ > 0) _sql.Append(";\n");
        _sql.Append(sql);
        _parameters.AddDynamicParams(parameters);
    }

    /// <summary>A multi-row insert (see <see cref="Bulk.InsertAsync"/>), added to the batch or, when large and plain, copied.</summary>
    public async Task InsertAsync(string insert, IReadOnlyList<object?[]> rows, string suffix = "", params int[] textColumns)
    {
        if (rows.Count == 0) return;
        if (!Postgres)
        {
            await Bulk.InsertRowByRowAsync(scope, insert, rows, suffix, textColumns);
            return;
        }
        var (table, columns) = Bulk.Parse(insert);
        var types = await Bulk.ColumnTypesAsync(scope, table);
        if (suffix.Length == 0 && rows.Count >= Bulk.CopyThreshold)
        {
            await FlushAsync();
            await CopyAsync(table, columns, types, rows);
            return;
        }
        var prefix = $"b{_statements}_";
        var arrays = new string[columns.Length];
        for (var j = 0; j < columns.Length; j++)
        {
            var type = types[columns[j]];
            var values = Array.CreateInstance(ClrType(type), rows.Count);
            for (var i = 0; i < rows.Count; i++) values.SetValue(Bulk.Convert(rows[i][j], type), i);
            var name = prefix + j;
            // Dapper hands Npgsql an array as is: a typed array is a typed PostgreSQL array parameter.
            _parameters.Add(name, values);
            arrays[j] = $"@{name}";
        }
        var list = string.Join(", ", columns);
        await AddAsync($"{insert} SELECT * FROM unnest({string.Join(", ", arrays)}) AS v ({list}) {suffix}", new { });
    }

    private static Type ClrType(NpgsqlDbType type) => type switch
    {
        NpgsqlDbType.Bigint => typeof(long?),
        NpgsqlDbType.Integer => typeof(int?),
        NpgsqlDbType.Smallint => typeof(short?),
        NpgsqlDbType.Boolean => typeof(bool?),
        NpgsqlDbType.Bytea => typeof(byte[]),
        _ => typeof(string),
    };

    private async Task CopyAsync(string table, string[] columns, IReadOnlyDictionary<string, NpgsqlDbType> types, IReadOnlyList<object?[]> rows)
    {
        var npgsql = (NpgsqlConnection)scope.Connection;
        var columnTypes = columns.Select(c => types[c]).ToArray();
        await using var import = await npgsql.BeginBinaryImportAsync($"COPY {table} ({string.Join(", ", columns)}) FROM STDIN (FORMAT BINARY)");
        foreach (var row in rows)
        {
            await import.StartRowAsync();
            for (var j = 0; j < columnTypes.Length; j++)
            {
                if (row[j] is null) await import.WriteNullAsync();
                else await import.WriteAsync(Bulk.Convert(row[j], columnTypes[j]), columnTypes[j]);
            }
        }
        await import.CompleteAsync();
    }

    /// <summary>Sends what is held, as one command.</summary>
    public async Task FlushAsync()
    {
        if (_statements == 0) return;
        var sql = _sql.ToString();
        _sql.Clear();
        _statements = 0;
        var parameters = _parameters;
        _parameters = new DynamicParameters();
        await scope.ExecuteAsync(sql, parameters);
    }
}
