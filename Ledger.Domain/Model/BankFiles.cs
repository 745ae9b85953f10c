using System.Globalization;
using System.Text;
using System.Xml;
using ExcelDataReader;

namespace Ledger.Domain.Model;

/// <summary>One line of a bank statement as the bank shows it. <c>Amount</c> is signed fen (+ credit, − debit); <c>Balance</c> is the balance after it.</summary>
public sealed record BankLine(int Row, DateOnly Date, long Amount, long Balance, string? Reference, string? EndToEndId, string Counterparty, string Memo)
{
    /// <summary>
    /// What identifies the line across files (DESIGN.md 9): the bank's own reference, else date + amount +
    /// running balance, which two different lines of one account cannot share.
    /// </summary>
    public string Identity => Reference is { Length: > 0 } r ? "ref:" + r : $"dab:{Dates.Format(Date)}|{Amount}|{Balance}";
}

/// <summary>A parsed statement: its period, opening and closing balances, and its lines in booking order.</summary>
public sealed record BankFile(DateOnly From, DateOnly To, long Opening, long Closing, IReadOnlyList<BankLine> Lines);

/// <summary>A problem in a bank file: the 1-based data row (0 for the file as a whole), the field and why.</summary>
public sealed record BankFileError(int Row, string Field, string Reason);

/// <summary>A parse: the file, or the code (import_invalid or bank_balance_mismatch) and every problem found.</summary>
public sealed record BankParse(BankFile? File, string? Code, IReadOnlyList<BankFileError> Errors)
{
    public static BankParse Invalid(params BankFileError[] errors) => new(null, Codes.ImportInvalid, errors);
    public static BankParse Invalid(IReadOnlyList<BankFileError> errors) => new(null, Codes.ImportInvalid, errors);
}

/// <summary>The bank accounts of the chart that bank statements reconcile against.</summary>
public static class BankAccounts
{
    public const string Common = "1002";
    public const string Maintenance = "1003";
    public static bool IsBank(string? code) => code is Common or Maintenance;
}

/// <summary>A column of a CSV or XLSX export: by its header text (<c>交易金额</c>) or its 1-based number.</summary>
public sealed record BankColumn(string? Header, int? Number)
{
    public override string ToString() => Header ?? Number?.ToString(CultureInfo.InvariantCulture) ?? "?";
}

/// <summary>
/// How one bank's CSV/XLSX export reads, saved per community. <c>SkipRows</c> is the number of rows
/// before the header row (null: the header row is the first that holds the date column's header text).
/// The amount is one signed column, or separate debit and credit columns.
/// </summary>
public sealed record BankMapping(int? SkipRows, string Encoding, BankColumn Date, string DateFormat,
    BankColumn? Amount, BankColumn? Debit, BankColumn? Credit, BankColumn Balance,
    BankColumn? Reference, BankColumn? Counterparty, BankColumn? Memo)
{
    /// <summary>China Merchants Bank's account-history export: <c>记账日期, 货币, 交易金额, 联机余额, 交易摘要, 对手信息</c>, GB18030, after a block of "#" lines.</summary>
    public static readonly BankMapping Cmb = new(null, "gb18030", new("记账日期", null), "yyyyMMdd",
        new("交易金额", null), null, null, new("联机余额", null), null, new("对手信息", null), new("交易摘要", null));

    public static readonly IReadOnlyDictionary<string, BankMapping> BuiltIn = new Dictionary<string, BankMapping> { ["cmb"] = Cmb };
}

/// <summary>
/// Readers of the statement formats banks give: ISO 20022 camt.053 XML, and CSV or XLSX exports read
/// through a <see cref="BankMapping"/>. Each returns every problem it finds, or a file whose running
/// balances add up (else bank_balance_mismatch). Pure: bytes in, values out.
/// </summary>
public static class BankFiles
{
    public const int MaxLines = 200_000;

    /// <summary>How deep a camt.053 file's elements may nest (the schema's deepest path is about fifteen).</summary>
    public const int MaxXmlDepth = 64;

    /// <summary>How much an XLSX file's parts may hold once inflated.</summary>
    public const long MaxXlsxExpandedBytes = 128L * 1024 * 1024;

    static BankFiles() => System.Text.Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>camt053, xlsx or csv from the first bytes: a ZIP is XLSX, markup is XML, anything else is text.</summary>
    public static string Sniff(ReadOnlySpan<byte> content)
    {
        if (content.StartsWith("PK\u0003\u0004"u8)) return "xlsx";
        var i = content.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        while (i < content.Length && content[i] is (byte)' ' or (byte)'\r' or (byte)'\n' or (byte)'\t') i++;
        return i < content.Length && content[i] == (byte)'<' ? "camt053" : "csv";
    }

    // ------------------------------------------------------------------ camt.053

    /// <summary>
    /// Reads one ISO 20022 camt.053 statement (any version: elements are matched by local name):
    /// balances OPBD (or PRCD) and CLBD, and each booked entry's amount, credit/debit, booking date,
    /// the bank's reference (AcctSvcrRef), end-to-end id, remittance text and counterparty.
    /// </summary>
    public static BankParse ReadCamt053(byte[] content)
    {
        XmlDocument doc = new() { XmlResolver = null };
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
        try
        {
            // XmlNode.InnerText recurses once per level: a file nested a million deep would overflow the stack and end
            // the process, which no handler can catch. A camt.053 statement nests about fifteen deep; refuse one that
            // goes deeper than MaxXmlDepth before building the document.
            using (var scan = XmlReader.Create(new MemoryStream(content), settings))
                while (scan.Read())
                    if (scan.Depth > MaxXmlDepth)
                        return BankParse.Invalid(new BankFileError(0, "xml",
                            $"Not a camt.053 statement: its elements nest more than {MaxXmlDepth} deep (line {((IXmlLineInfo)scan).LineNumber}, position {((IXmlLineInfo)scan).LinePosition})."));
            using var reader = XmlReader.Create(new MemoryStream(content), settings);
            doc.Load(reader);
        }
        catch (XmlException e)
        {
            // The reader's own words name its settings (DtdProcessing, XmlReader.Create); say what is wrong with the file.
            var why = e.Message.Contains("DTD", StringComparison.Ordinal) ? "a document type declaration (DOCTYPE) is not accepted" : "not well-formed";
            return BankParse.Invalid(new BankFileError(0, "xml", $"Not a readable XML file: {why} (line {e.LineNumber}, position {e.LinePosition})."));
        }

        var statements = Descendants(doc.DocumentElement!, "Stmt").ToList();
        if (doc.DocumentElement!.LocalName != "Document" || statements.Count != 1)
            return BankParse.Invalid(new BankFileError(0, "Stmt", statements.Count == 0
                ? "Not a camt.053 statement: no BkToCstmrStmt/Stmt element."
                : "One statement per file: this file holds several Stmt elements."));
        var stmt = statements[0];
        var errors = new List<BankFileError>();

        long? opening = null, closing = null;
        DateOnly? openingDate = null, closingDate = null;
        foreach (var bal in Children(stmt, "Bal"))
        {
            var code = Path(bal, "Tp", "CdOrPrtry", "Cd")?.InnerText.Trim();
            if (code is not ("OPBD" or "PRCD" or "CLBD")) continue;
            var amount = SignedAmount(bal, 0, code, errors);
            var date = ReadDate(Path(bal, "Dt", "Dt") ?? Path(bal, "Dt", "DtTm"));
            if (code == "CLBD") { closing = amount; closingDate = date; }
            else if (opening is null || code == "OPBD") { opening = amount; openingDate = date; }
        }
        if (opening is null) errors.Add(new(0, "OPBD", "The opening booked balance (Bal/Tp/CdOrPrtry/Cd = OPBD) is missing."));
        if (closing is null) errors.Add(new(0, "CLBD", "The closing booked balance (Bal/Tp/CdOrPrtry/Cd = CLBD) is missing."));

        var raw = new List<RawLine>();
        var row = 0;
        foreach (var ntry in Children(stmt, "Ntry"))
        {
            row++;
            var status = Path(ntry, "Sts", "Cd")?.InnerText.Trim() ?? Path(ntry, "Sts")?.InnerText.Trim();
            if (status is "PDNG" or "INFO") continue; // only booked entries move the balance
            var amount = SignedAmount(ntry, row, "Amt", errors);
            if (amount == 0) { errors.Add(new(row, "Amt", "An entry moves money: its amount must be more than zero.")); amount = null; }
            var dateNode = Path(ntry, "BookgDt", "Dt") ?? Path(ntry, "BookgDt", "DtTm") ?? Path(ntry, "ValDt", "Dt");
            var date = ReadDate(dateNode);
            if (date is null) errors.Add(new(row, "BookgDt", dateNode is null ? "The booking date is missing." : $"'{dateNode.InnerText}' is not a date."));
            var tx = Path(ntry, "NtryDtls", "TxDtls");
            var reference = Text(Path(ntry, "AcctSvcrRef")) ?? Text(tx is null ? null : Path(tx, "Refs", "AcctSvcrRef"));
            var endToEnd = Text(tx is null ? null : Path(tx, "Refs", "EndToEndId"));
            if (endToEnd == "NOTPROVIDED") endToEnd = null;
            var memo = string.Join(" ", (tx is null ? [] : Descendants(tx, "Ustrd")).Select(u => u.InnerText.Trim()).Where(s => s.Length > 0));
            if (memo.Length == 0) memo = Text(Path(ntry, "AddtlNtryInf")) ?? "";
            var party = tx is null ? null : amount is > 0
                ? Path(tx, "RltdPties", "Dbtr", "Nm") ?? Path(tx, "RltdPties", "Dbtr", "Pty", "Nm")
                : Path(tx, "RltdPties", "Cdtr", "Nm") ?? Path(tx, "RltdPties", "Cdtr", "Pty", "Nm");
            if (reference is { Length: > 100 }) errors.Add(new(row, "AcctSvcrRef", "At most 100 characters."));
            if (amount is { } a && date is { } d)
                raw.Add(new RawLine(row, d, a, null, reference, endToEnd, Clip(Text(party) ?? ""), Clip(memo)));
        }
        if (raw.Count > MaxLines) errors.Add(new(0, "Ntry", $"At most {MaxLines} entries per file."));
        var from = ReadDate(Path(stmt, "FrToDt", "FrDtTm")) ?? openingDate ?? raw.Select(r => (DateOnly?)r.Date).Min() ?? closingDate;
        if (from is null && errors.Count == 0) errors.Add(new(0, "FrToDt", "The statement names no date: give its period (FrToDt) or the balances' dates (Bal/Dt)."));
        if (errors.Count > 0 || from is not { } start) return BankParse.Invalid(errors);

        var to = ReadDate(Path(stmt, "FrToDt", "ToDtTm")) ?? closingDate ?? raw.Select(r => (DateOnly?)r.Date).Max() ?? start;
        if (PeriodErrors(start, to, raw) is { Count: > 0 } outside) return BankParse.Invalid(outside);
        return Chain(start, to, opening!.Value, closing, raw);
    }

    /// <summary>
    /// The statement's own period (FrToDt, else its balances' dates) is what it vouches for: it cannot end before it
    /// starts, and every entry is booked within it.
    /// </summary>
    private static List<BankFileError> PeriodErrors(DateOnly from, DateOnly to, List<RawLine> raw)
    {
        var period = $"{Dates.Format(from)} to {Dates.Format(to)}";
        if (to < from) return [new(0, "FrToDt", $"The statement's period runs from {period}: it ends before it starts.")];
        return raw.Where(r => r.Date < from || r.Date > to).Take(100)
            .Select(r => new BankFileError(r.Row, "BookgDt",
                $"The entry{(Visible(r.Reference) is { } reference ? $" with the bank reference {reference}" : "")} is booked on {Dates.Format(r.Date)}, outside the statement's period ({period}).")).ToList();
    }

    private static long? SignedAmount(XmlElement parent, int row, string field, List<BankFileError> errors)
    {
        var amt = Children(parent, "Amt").FirstOrDefault();
        var ind = Text(Children(parent, "CdtDbtInd").FirstOrDefault());
        if (amt is null) { errors.Add(new(row, field, "The amount (Amt) is missing.")); return null; }
        var currency = amt.GetAttribute("Ccy");
        if (currency.Length > 0 && currency != "CNY") { errors.Add(new(row, field, $"Only CNY accounts are reconciled; this amount is in {currency}.")); return null; }
        if (!TryFen(amt.InnerText.Trim(), out var fen) || fen < 0) { errors.Add(new(row, field, $"'{amt.InnerText.Trim()}' is not an amount in yuan with at most two decimals.")); return null; }
        if (ind is not ("CRDT" or "DBIT")) { errors.Add(new(row, "CdtDbtInd", "CRDT or DBIT is required.")); return null; }
        return ind == "CRDT" ? fen : -fen;
    }

    /// <summary>
    /// Writes a camt.053.001.08 statement as a bank would (for the demo and the benchmark): the opening
    /// and closing booked balances and one booked entry per line, its end-to-end id being the payer's reference.
    /// </summary>
    public static byte[] WriteCamt053(string statementId, DateOnly from, DateOnly to, long opening, IEnumerable<BankLine> lines)
    {
        const string ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08";
        static string Y(long fen) => (Math.Abs(fen) / 100m).ToString("0.00", CultureInfo.InvariantCulture);
        var list = lines.ToList();
        var closing = opening + list.Sum(l => l.Amount);
        using var buffer = new MemoryStream();
        using (var w = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false }))
        {
            w.WriteStartDocument();
            w.WriteStartElement("Document", ns);
            w.WriteStartElement("BkToCstmrStmt", ns);
            w.WriteStartElement("GrpHdr", ns);
            w.WriteElementString("MsgId", ns, statementId);
            w.WriteElementString("CreDtTm", ns, $"{Dates.Format(to)}T23:59:59+08:00");
            w.WriteEndElement();
            w.WriteStartElement("Stmt", ns);
            w.WriteElementString("Id", ns, statementId);
            w.WriteStartElement("FrToDt", ns);
            w.WriteElementString("FrDtTm", ns, $"{Dates.Format(from)}T00:00:00+08:00");
            w.WriteElementString("ToDtTm", ns, $"{Dates.Format(to)}T23:59:59+08:00");
            w.WriteEndElement();
            void Amount(long fen)
            {
                w.WriteStartElement("Amt", ns);
                w.WriteAttributeString("Ccy", "CNY");
                w.WriteString(Y(fen));
                w.WriteEndElement();
                w.WriteElementString("CdtDbtInd", ns, fen < 0 ? "DBIT" : "CRDT");
            }
            foreach (var (code, fen, day) in new[] { ("OPBD", opening, from), ("CLBD", closing, to) })
            {
                w.WriteStartElement("Bal", ns);
                w.WriteStartElement("Tp", ns); w.WriteStartElement("CdOrPrtry", ns); w.WriteElementString("Cd", ns, code); w.WriteEndElement(); w.WriteEndElement();
                Amount(fen);
                w.WriteStartElement("Dt", ns); w.WriteElementString("Dt", ns, Dates.Format(day)); w.WriteEndElement();
                w.WriteEndElement();
            }
            foreach (var l in list)
            {
                w.WriteStartElement("Ntry", ns);
                Amount(l.Amount);
                w.WriteStartElement("Sts", ns); w.WriteElementString("Cd", ns, "BOOK"); w.WriteEndElement();
                w.WriteStartElement("BookgDt", ns); w.WriteElementString("Dt", ns, Dates.Format(l.Date)); w.WriteEndElement();
                if (l.Reference is not null) w.WriteElementString("AcctSvcrRef", ns, l.Reference);
                w.WriteStartElement("NtryDtls", ns); w.WriteStartElement("TxDtls", ns);
                w.WriteStartElement("Refs", ns); w.WriteElementString("EndToEndId", ns, l.EndToEndId ?? "NOTPROVIDED"); w.WriteEndElement();
                w.WriteStartElement("RltdPties", ns); w.WriteStartElement(l.Amount > 0 ? "Dbtr" : "Cdtr", ns); w.WriteStartElement("Pty", ns);
                w.WriteElementString("Nm", ns, l.Counterparty); w.WriteEndElement(); w.WriteEndElement(); w.WriteEndElement();
                w.WriteStartElement("RmtInf", ns); w.WriteElementString("Ustrd", ns, l.Memo); w.WriteEndElement();
                w.WriteEndElement(); w.WriteEndElement();
                w.WriteEndElement();
            }
            w.WriteEndElement();
            w.WriteEndElement();
            w.WriteEndElement();
        }
        return buffer.ToArray();
    }

    // ------------------------------------------------------------------ CSV and XLSX through a mapping

    /// <summary>Reads a CSV export: GB18030 or UTF-8 as the mapping says (a UTF-8 byte-order mark wins), then the columns.</summary>
    public static BankParse ReadCsv(byte[] content, BankMapping mapping)
    {
        var utf8Bom = content.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]);
        string text;
        try
        {
            text = utf8Bom || mapping.Encoding == "utf-8"
                ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(content, utf8Bom ? 3 : 0, content.Length - (utf8Bom ? 3 : 0))
                : System.Text.Encoding.GetEncoding("GB18030", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback).GetString(content);
        }
        catch (DecoderFallbackException)
        {
            return BankParse.Invalid(new BankFileError(0, "encoding", $"The file is not valid {(utf8Bom ? "utf-8" : mapping.Encoding)}; set the mapping's encoding."));
        }
        return ReadRows(Csv.Read(text).Select(r => r.Cast<object?>().ToArray()).ToList(), mapping);
    }

    /// <summary>Reads the first worksheet of an XLSX export through the mapping (date cells may be real dates).</summary>
    public static BankParse ReadXlsx(byte[] content, BankMapping mapping)
    {
        var rows = new List<object?[]>();
        try
        {
            // A ZIP is small for what it holds: a 1 MB workbook whose one cell expands to a billion characters ran out of
            // memory in the reader (a 500 after seconds of work). The parts' sizes are read first (and the archive stops
            // inflating an entry at its stated size).
            using (var zip = new System.IO.Compression.ZipArchive(new MemoryStream(content), System.IO.Compression.ZipArchiveMode.Read))
                if (zip.Entries.Sum(e => e.Length) > MaxXlsxExpandedBytes)
                    return BankParse.Invalid(new BankFileError(0, "xlsx", $"The workbook expands to more than {MaxXlsxExpandedBytes / (1024 * 1024)} MB; a bank's export of {MaxLines} lines is far smaller."));
            using var reader = ExcelReaderFactory.CreateOpenXmlReader(new MemoryStream(content));
            while (reader.Read())
            {
                var cells = new object?[reader.FieldCount];
                for (var i = 0; i < cells.Length; i++) cells[i] = reader.GetValue(i);
                rows.Add(cells);
                if (rows.Count > MaxLines + 100) break;
            }
        }
        // The file is whatever a client sent; the reader can fail on a crafted workbook in many ways, and
        // every one of them means the same to the user: this is not a workbook we can read.
        catch (Exception e) when (e is not (OutOfMemoryException or StackOverflowException or OperationCanceledException))
        {
            return BankParse.Invalid(new BankFileError(0, "xlsx", "Not a readable XLSX workbook (a ZIP package with the sheet's XML inside)."));
        }
        return ReadRows(rows, mapping);
    }

    /// <summary>The rows of a sheet (cells are text, or numbers and dates from XLSX) through the mapping; data rows are numbered from 1 after the header.</summary>
    public static BankParse ReadRows(IReadOnlyList<object?[]> rows, BankMapping mapping)
    {
        int headerIndex;
        if (mapping.SkipRows is { } skip) headerIndex = skip;
        else
        {
            headerIndex = -1;
            for (var i = 0; i < Math.Min(rows.Count, 100) && headerIndex < 0; i++)
                if (rows[i].Any(c => CellText(c) == mapping.Date.Header)) headerIndex = i;
            if (headerIndex < 0)
                return BankParse.Invalid(new BankFileError(0, "header", $"No header row holds the date column '{mapping.Date}' in the first 100 rows."));
        }
        if (headerIndex >= rows.Count) return BankParse.Invalid(new BankFileError(0, "header", $"The file has {rows.Count} rows; the mapping skips {headerIndex}."));
        var header = rows[headerIndex].Select(CellText).ToList();

        var errors = new List<BankFileError>();
        int? Resolve(BankColumn? column, string field, bool required)
        {
            if (column is null) { if (required) errors.Add(new(0, field, "The mapping names no column.")); return null; }
            if (column.Number is { } n) return n - 1;
            var at = header.IndexOf(column.Header!.Trim());
            if (at < 0) errors.Add(new(0, field, $"The header row has no column '{column.Header}'."));
            return at < 0 ? null : at;
        }
        var date = Resolve(mapping.Date, "date", true);
        var amount = Resolve(mapping.Amount, "amount", mapping.Debit is null);
        var debit = Resolve(mapping.Debit, "debitColumn", mapping.Amount is null);
        var credit = Resolve(mapping.Credit, "creditColumn", mapping.Amount is null);
        var balance = Resolve(mapping.Balance, "balance", true);
        var reference = Resolve(mapping.Reference, "reference", false);
        var party = Resolve(mapping.Counterparty, "counterparty", false);
        var memo = Resolve(mapping.Memo, "memo", false);
        if (errors.Count > 0) return BankParse.Invalid(errors);

        var raw = new List<RawLine>();
        var row = 0;
        for (var i = headerIndex + 1; i < rows.Count; i++)
        {
            var cells = rows[i];
            string Cell(int? at) => at is { } k && k < cells.Length ? CellText(cells[k]) : "";
            if (cells.All(c => CellText(c).Length == 0)) continue;
            if (CellText(cells[0]).StartsWith('#')) continue; // the exports' comment and summary lines
            row++;
            var d = ReadCellDate(date is { } di && di < cells.Length ? cells[di] : null, mapping.DateFormat);
            if (d is null) errors.Add(new(row, "date", $"'{Cell(date)}' is not a date as {mapping.DateFormat}."));
            long? a = null;
            if (amount is not null)
            {
                if (TryCellFen(cells, amount, out var v) && v != 0) a = v;
                else errors.Add(new(row, "amount", $"'{Cell(amount)}' is not a non-zero amount in yuan with at most two decimals."));
            }
            else
            {
                var dOk = TryCellFen(cells, debit, out var dv, allowEmpty: true);
                var cOk = TryCellFen(cells, credit, out var cv, allowEmpty: true);
                if (!dOk || dv < 0) errors.Add(new(row, "debit", $"'{Cell(debit)}' is not an amount in yuan with at most two decimals."));
                else if (!cOk || cv < 0) errors.Add(new(row, "credit", $"'{Cell(credit)}' is not an amount in yuan with at most two decimals."));
                else if ((dv == 0) == (cv == 0)) errors.Add(new(row, "amount", "Exactly one of the debit and credit columns must hold an amount."));
                else a = cv - dv;
            }
            long? b = null;
            if (TryCellFen(cells, balance, out var bv)) b = bv;
            else errors.Add(new(row, "balance", $"'{Cell(balance)}' is not a balance in yuan with at most two decimals."));
            var r = Cell(reference);
            if (r.Length > 100) errors.Add(new(row, "reference", "At most 100 characters."));
            if (d is { } dd && a is { } aa && b is { } bb)
                raw.Add(new RawLine(row, dd, aa, bb, r.Length > 0 ? r : null, null, Clip(Cell(party)), Clip(Cell(memo))));
            if (errors.Count >= 100) break;
        }
        if (errors.Count == 0 && raw.Count == 0) errors.Add(new(0, "rows", "The file has no transaction rows."));
        if (raw.Count > MaxLines) errors.Add(new(0, "rows", $"At most {MaxLines} rows per file."));
        if (errors.Count > 0) return BankParse.Invalid(errors);

        // Some exports list the newest line first; the running balance reads oldest first.
        if (raw[^1].Date < raw[0].Date) raw.Reverse();
        var opening = raw[0].Balance!.Value - raw[0].Amount;
        return Chain(raw.Min(l => l.Date), raw.Max(l => l.Date), opening, raw[^1].Balance, raw);
    }

    // ------------------------------------------------------------------ the running balance

    private sealed record RawLine(int Row, DateOnly Date, long Amount, long? Balance, string? Reference, string? EndToEndId, string Counterparty, string Memo);

    /// <summary>Every running balance must add up from the opening, and the last one must be the closing (else bank_balance_mismatch).</summary>
    private static string? Visible(string? text) => text is null ? null : Shown(text) is { Length: > 0 } s ? s : null;

    /// <summary>
    /// What the bank wrote as people are shown it: without invisible format characters (a direction override in a
    /// reference would make it read as something else), and with each control character (a stray NUL or ESC of an
    /// export, which PostgreSQL's text cannot even hold) as a space.
    /// </summary>
    private static string Shown(string text)
    {
        var kept = Invisible.StripFormat(text);
        return (kept.Any(char.IsControl) ? string.Concat(kept.Select(c => char.IsControl(c) ? ' ' : c)) : kept).Trim();
    }

    private static BankParse Chain(DateOnly from, DateOnly to, long opening, long? closing, List<RawLine> raw)
    {
        var errors = new List<BankFileError>();
        var lines = new List<BankLine>(raw.Count);
        var balance = opening;
        foreach (var r in raw)
        {
            balance += r.Amount;
            if (r.Balance is { } stated && stated != balance && errors.Count < 100)
                errors.Add(new(r.Row, "balance", $"The balance after this line is {Yuan(stated)}, but the previous balance and the amount give {Yuan(balance)}."));
            lines.Add(new BankLine(r.Row, r.Date, r.Amount, balance, Visible(r.Reference), Visible(r.EndToEndId), Shown(r.Counterparty), Shown(r.Memo)));
        }
        if (closing is { } c && c != balance)
            errors.Add(new(0, "CLBD", $"The closing balance is {Yuan(c)}, but the opening balance and the entries give {Yuan(balance)}."));
        if (Math.Abs(opening) > EntryRules.MaxAmountFen || lines.Any(l => Math.Abs(l.Amount) > EntryRules.MaxAmountFen || Math.Abs(l.Balance) > EntryRules.MaxAmountFen))
            return BankParse.Invalid(new BankFileError(0, "amount", "An amount or balance is larger than 10^14 fen."));
        if (errors.Count > 0) return new BankParse(null, BankCodes.BalanceMismatch, errors);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in lines)
            if (!seen.Add(line.Identity)) errors.Add(new(line.Row, "reference", $"The bank reference {line.Reference} appears twice in the file."));
        if (errors.Count > 0) return BankParse.Invalid(errors);
        return new BankParse(new BankFile(from, to, opening, closing ?? balance, lines), null, []);
    }

    // ------------------------------------------------------------------ cells

    private static string Yuan(long fen) => (fen / 100m).ToString("0.00", CultureInfo.InvariantCulture);

    private static string Clip(string s) => s.Length <= 200 ? s.Trim() : s[..200].Trim();

    private static string CellText(object? cell) => cell switch
    {
        null => "",
        string s => s.Trim(),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => cell.ToString()?.Trim() ?? "",
    };

    private static DateOnly? ReadCellDate(object? cell, string format)
    {
        if (cell is DateTime dt) return DateOnly.FromDateTime(dt);
        if (cell is double d && double.IsFinite(d) && d is > 36526 and < 401769) return DateOnly.FromDateTime(DateTime.FromOADate(d));
        var text = cell is double n && double.IsFinite(n) && Math.Abs(n) < 1e12 ? ((long)n).ToString(CultureInfo.InvariantCulture) : CellText(cell);
        try
        {
            return DateTime.TryParseExact(text, format, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var t) && t.Year is >= 2000 and <= 2999
                ? DateOnly.FromDateTime(t) : null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException) { return null; } // a saved format .NET cannot use: no row has a date
    }

    private static bool TryCellFen(object?[] cells, int? at, out long fen, bool allowEmpty = false)
    {
        fen = 0;
        var cell = at is { } k && k < cells.Length ? cells[k] : null;
        if (cell is double d)
        {
            if (!double.IsFinite(d) || Math.Abs(d) > 1e13) return false;
            var m = (decimal)d * 100;
            if (m != decimal.Truncate(m) || Math.Abs(m) > EntryRules.MaxAmountFen) return false;
            fen = (long)m;
            return true;
        }
        var text = CellText(cell);
        if (text.Length == 0 || text is "-" or "--") return allowEmpty;
        return TryFen(text, out fen);
    }

    /// <summary>Yuan as the banks write it ("1,234.56", "-12.5", "+8.00", "¥3.00") to exact fen; more than two decimals is not money.</summary>
    public static bool TryFen(string text, out long fen)
    {
        fen = 0;
        var s = text.Replace(",", "").Replace("¥", "").Replace("￥", "").Replace("元", "").Trim();
        if (!decimal.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var yuan)
            || Math.Abs(yuan) > 1e13m) return false;
        var m = yuan * 100;
        if (m != decimal.Truncate(m) || Math.Abs(m) > EntryRules.MaxAmountFen) return false;
        fen = (long)m;
        return true;
    }

    private static DateOnly? ReadDate(XmlNode? node)
    {
        var text = node?.InnerText.Trim();
        if (text is null or { Length: < 10 }) return null;
        return Dates.TryParse(text[..10], out var d) ? d : null;
    }

    private static string? Text(XmlNode? node) => node?.InnerText.Trim() is { Length: > 0 } s ? s : null;

    private static IEnumerable<XmlElement> Children(XmlElement parent, string name) =>
        parent.ChildNodes.OfType<XmlElement>().Where(e => e.LocalName == name);

    private static IEnumerable<XmlElement> Descendants(XmlElement parent, string name) =>
        parent.GetElementsByTagName("*").OfType<XmlElement>().Where(e => e.LocalName == name);

    private static XmlElement? Path(XmlElement parent, params string[] names)
    {
        XmlElement? at = parent;
        foreach (var name in names)
        {
            at = Children(at, name).FirstOrDefault();
            if (at is null) return null;
        }
        return at;
    }
}

/// <summary>The rule codes of bank reconciliation.</summary>
public static class BankCodes
{
    public const string StatementGap = "bank_statement_gap";
    public const string BalanceMismatch = "bank_balance_mismatch";
    public const string MatchMismatch = "match_mismatch";
    public const string AlreadyMatched = "already_matched";
    public const string Unexplained = "reconciliation_unexplained";
    public const string AlreadySigned = "already_signed";
    public const string UnknownMapping = "unknown_bank_mapping";
    public const string NotACredit = "bank_line_not_credit";
    public const string StatementMissing = "bank_statement_missing";
    public const string MonthOpen = "month_not_closed";
}
