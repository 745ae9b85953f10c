using System.Globalization;
using System.IO.Compression;
using System.Security;
using System.Text;

namespace Ledger.Tests.Infrastructure;

/// <summary>A bank line for the sample files: yuan as the bank writes it, + credit, − debit.</summary>
public sealed record SampleLine(string Date, decimal Yuan, string? Reference = null, string? EndToEnd = null, string Party = "", string Memo = "");

/// <summary>Bank statement files as banks produce them: ISO 20022 camt.053.001.08, China Merchants Bank's GB18030 CSV export, an XLSX export.</summary>
public static class BankSamples
{
    static BankSamples() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private static string Y(decimal yuan) => Math.Abs(yuan).ToString("0.00", CultureInfo.InvariantCulture);

    public static byte[] Camt053(string from, string to, decimal opening, IEnumerable<SampleLine> lines, decimal? closing = null)
    {
        var list = lines.ToList();
        var close = closing ?? opening + list.Sum(l => l.Yuan);
        var sb = new StringBuilder();
        sb.Append("""
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
              <BkToCstmrStmt>
                <GrpHdr><MsgId>STMT-
            """).Append(from).Append("</MsgId><CreDtTm>").Append(to).Append("""
            T23:59:59</CreDtTm></GrpHdr>
                <Stmt>
                  <Id>CMB-
            """).Append(from).Append("</Id><FrToDt><FrDtTm>").Append(from).Append("T00:00:00+08:00</FrDtTm><ToDtTm>").Append(to).Append("""
            T23:59:59+08:00</ToDtTm></FrToDt>
                  <Acct><Id><Othr><Id>755900000000001</Id></Othr></Id><Ccy>CNY</Ccy><Svcr><FinInstnId><BICFI>CMBCCNBS</BICFI></FinInstnId></Svcr></Acct>
            """);
        void Bal(string code, decimal amount, string date) => sb.Append($"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"CNY\">{Y(amount)}</Amt><CdtDbtInd>{(amount < 0 ? "DBIT" : "CRDT")}</CdtDbtInd><Dt><Dt>{date}</Dt></Dt></Bal>\n");
        Bal("OPBD", opening, from);
        Bal("CLBD", close, to);
        foreach (var l in list)
        {
            var credit = l.Yuan > 0;
            sb.Append($"<Ntry><Amt Ccy=\"CNY\">{Y(l.Yuan)}</Amt><CdtDbtInd>{(credit ? "CRDT" : "DBIT")}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>")
              .Append($"<BookgDt><Dt>{l.Date}</Dt></BookgDt><ValDt><Dt>{l.Date}</Dt></ValDt>")
              .Append(l.Reference is null ? "" : $"<AcctSvcrRef>{SecurityElement.Escape(l.Reference)}</AcctSvcrRef>")
              .Append("<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls>")
              .Append($"<Refs><EndToEndId>{SecurityElement.Escape(l.EndToEnd ?? "NOTPROVIDED")}</EndToEndId></Refs>")
              .Append($"<RltdPties><{(credit ? "Dbtr" : "Cdtr")}><Pty><Nm>{SecurityElement.Escape(l.Party)}</Nm></Pty></{(credit ? "Dbtr" : "Cdtr")}></RltdPties>")
              .Append($"<RmtInf><Ustrd>{SecurityElement.Escape(l.Memo)}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n");
        }
        sb.Append("</Stmt></BkToCstmrStmt></Document>\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>China Merchants Bank's account-history CSV: a "#" block, the header, lines with the running balance; GB18030.</summary>
    public static byte[] CmbCsv(decimal opening, IEnumerable<SampleLine> lines, Func<int, decimal, decimal>? balanceOverride = null)
    {
        var sb = new StringBuilder();
        sb.Append("# 招商银行交易记录\r\n# 导出时间: [ 2026-11-21 10:00:00 ]\r\n# 账号: [7559********0001]\r\n# 币种: [ 人民币 ]\r\n\r\n");
        sb.Append("记账日期,货币,交易金额,联机余额,交易摘要,对手信息\r\n");
        var balance = opening;
        var i = 0;
        foreach (var l in lines)
        {
            balance += l.Yuan;
            var shown = balanceOverride?.Invoke(++i, balance) ?? balance;
            sb.Append($"{l.Date.Replace("-", "")},人民币,\"{l.Yuan.ToString("#,##0.00", CultureInfo.InvariantCulture)}\",\"{shown.ToString("#,##0.00", CultureInfo.InvariantCulture)}\",{l.Memo},{l.Party}\r\n");
        }
        sb.Append("# 合计: 笔数 ").Append(i).Append("\r\n");
        return Encoding.GetEncoding("GB18030").GetBytes(sb.ToString());
    }

    /// <summary>A one-sheet XLSX workbook: strings inline, numbers as numbers.</summary>
    public static byte[] Xlsx(IEnumerable<object?[]> rows) => Workbook(rows, longCell: 0);

    /// <summary>A workbook of one row whose one cell holds <paramref name="chars"/> letters: a ZIP far smaller than what it expands to.</summary>
    public static byte[] XlsxBomb(long chars) => Workbook([], chars);

    private static byte[] Workbook(IEnumerable<object?[]> rows, long longCell)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Part(string name, string xml)
            {
                using var w = new StreamWriter(zip.CreateEntry(name).Open(), new UTF8Encoding(false));
                w.Write(xml);
            }
            Part("[Content_Types].xml", """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>""");
            Part("_rels/.rels", """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>""");
            Part("xl/workbook.xml", """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="明细" sheetId="1" r:id="rId1"/></sheets></workbook>""");
            Part("xl/_rels/workbook.xml.rels", """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>""");
            var sheet = new StringBuilder("""<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>""");
            var r = 0;
            foreach (var row in rows)
            {
                r++;
                sheet.Append($"<row r=\"{r}\">");
                for (var c = 0; c < row.Length; c++)
                {
                    var cell = $"{(char)('A' + c)}{r}";
                    switch (row[c])
                    {
                        case null: break;
                        case string s: sheet.Append($"<c r=\"{cell}\" t=\"inlineStr\"><is><t>{SecurityElement.Escape(s)}</t></is></c>"); break;
                        case IFormattable n: sheet.Append($"<c r=\"{cell}\"><v>{n.ToString(null, CultureInfo.InvariantCulture)}</v></c>"); break;
                    }
                }
                sheet.Append("</row>");
            }
            if (longCell > 0)
            {
                using var w = new StreamWriter(zip.CreateEntry("xl/worksheets/sheet1.xml", CompressionLevel.Optimal).Open(), new UTF8Encoding(false));
                w.Write(sheet.Append("""<row r="1"><c r="A1" t="inlineStr"><is><t>"""));
                var letters = new string('a', 1 << 20);
                for (var written = 0L; written < longCell; written += letters.Length) w.Write(letters);
                w.Write("</t></is></c></row></sheetData></worksheet>");
            }
            else Part("xl/worksheets/sheet1.xml", sheet.Append("</sheetData></worksheet>").ToString());
        }
        return buffer.ToArray();
    }
}
