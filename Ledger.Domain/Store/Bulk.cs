using System.Data;
using System.Text;
using Dapper;

namespace Ledger.Domain.Store;

/// <summary>
/// Many rows in one statement: <c>INSERT … VALUES (…), (…), …</c> in chunks sized per engine
/// (<see cref="Dialect.BatchParameters"/>), instead of one round trip per row (which is what handing
/// Dapper a list does). The same SQL runs on SQLite and PostgreSQL, ON CONFLICT clauses included.
/// </summary>
public static class Bulk
{
    /// <param name="insert">"INSERT INTO t (a, b, c)"</param>
    /// <param name="rows">one value array per row, in the column order of <paramref name="insert"/></param>
    /// <param name="suffix">anything after the VALUES list, e.g. an ON CONFLICT clause</param>
    /// <param name="textColumns">columns (by position) that are text even when null in every row</param>
    public static Task InsertAsync(WriteScope scope, string insert, IReadOnlyList<object?[]> rows, string suffix = "", params int[] textColumns) =>
        ExecuteAsync(scope, insert + " VALUES", rows, suffix, textColumns, []);

    /// <summary>
    /// Adds <c>amount</c> to <c>paid_fen</c> of each bill <c>id</c> of the rows (id, amount): one statement
    /// per chunk on PostgreSQL; on SQLite one primary-key update per row (there the batched form made
    /// the planner walk all of a community's bills through its (community_id, month) index each time).
    /// </summary>
    public static Task AddToPaidAsync(WriteScope scope, IReadOnlyList<object?[]> billAmounts) =>
        scope.Dialect.BatchParameters == 0
            ? scope.ExecuteAsync("UPDATE bills SET paid_fen = paid_fen + @Amount WHERE id = @Id",
                billAmounts.Select(r => new { Id = (long)r[0]!, Amount = (long)r[1]! }).ToList())
            : ExecuteAsync(scope, "WITH v (id, amount) AS (VALUES", billAmounts, """
                ) UPDATE bills SET paid_fen = paid_fen + (SELECT v.amount FROM v WHERE v.id = bills.id)
                WHERE community_id = @community AND id IN (SELECT v.id FROM v)
                """, ("community", scope.Community.Id));

    /// <summary><paramref name="before"/> (…), (…), … <paramref name="after"/>, in chunks under the engines' parameter limits.</summary>
    public static Task ExecuteAsync(WriteScope scope, string before, IReadOnlyList<object?[]> rows, string after, params (string Name, object Value)[] fixedParameters) =>
        ExecuteAsync(scope, before, rows, after, [], fixedParameters);

    private static async Task ExecuteAsync(WriteScope scope, string before, IReadOnlyList<object?[]> rows, string after, int[] textColumns, (string Name, object Value)[] fixedParameters)
    {
        if (rows.Count == 0) return;
        var columns = rows[0].Length;
        // A column that is null in every row still needs a type for PostgreSQL: bigint ids unless named as text.
        var types = Enumerable.Range(0, columns).Select(j => textColumns.Contains(j) ? DbType.String : TypeOf(rows.Select(r => r[j]).FirstOrDefault(v => v is not null))).ToArray();
        if (scope.Dialect.BatchParameters == 0)
        {
            // One row's statement, prepared once and executed for every row.
            var one = $"{before} ({string.Join(", ", Enumerable.Range(0, columns).Select(j => $"@p{j}"))}) {after}";
            await scope.ExecuteAsync(one, rows.Select(row =>
            {
                var p = new DynamicParameters();
                foreach (var (name, value) in fixedParameters) p.Add(name, value);
                for (var j = 0; j < columns; j++) p.Add($"p{j}", row[j], types[j]);
                return p;
            }).ToList());
            return;
        }
        var chunk = Math.Max(1, scope.Dialect.BatchParameters / columns);
        for (var start = 0; start < rows.Count; start += chunk)
        {
            var count = Math.Min(chunk, rows.Count - start);
            var sql = new StringBuilder(before.Length + count * columns * 8).Append(before).Append(' ');
            var parameters = new DynamicParameters();
            foreach (var (name, value) in fixedParameters) parameters.Add(name, value);
            for (var i = 0; i < count; i++)
            {
                sql.Append(i == 0 ? "(" : ", (");
                for (var j = 0; j < columns; j++)
                {
                    var name = $"p{i}_{j}";
                    sql.Append(j == 0 ? "@" : ", @").Append(name);
                    parameters.Add(name, rows[start + i][j], types[j]);
                }
                sql.Append(')');
            }
            await scope.ExecuteAsync(sql.Append(' ').Append(after).ToString(), parameters);
        }
    }

    private static DbType TypeOf(object? value) => value switch
    {
        string => DbType.String,
        bool => DbType.Boolean,
        int => DbType.Int32,
        byte[] => DbType.Binary,
        _ => DbType.Int64,
    };
}
