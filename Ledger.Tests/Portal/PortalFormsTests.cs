using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ledger.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Tests.Portal;

/// <summary>
/// The portal's forms for staff, supervisors, the committee and the asker, through real HTTP on each
/// engine: each succeeds with a 303, refuses one rule with a sentence and changes nothing, has one
/// effect when sent twice, changes nothing without its antiforgery token, and answers 403 to a role
/// the API refuses.
/// </summary>
public abstract class PortalFormsTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;

    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

    private static string Sha(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    private async Task<PortalClient> SignInAsync(string login)
    {
        var client = PortalClient.For(App);
        await client.SignInAsync(login, PortalYard.Password);
        return client;
    }

    /// <summary>The antiforgery token and form key of any form on a page this person may open.</summary>
    private static async Task<Dictionary<string, string>> TokenAsync(PortalClient client, string path)
    {
        var page = await client.GetAsync(path);
        Assert.Equal(200, page.Status);
        return PortalClient.FormOf(page, path, 0, "form[method=post]").Fields;
    }

    private static async Task<int> RequestsToAsync(PortalYard yard, string payee) =>
        (await yard.Trustee.GetJsonAsync(yard.P("/spending-requests")))["items"]!.AsArray().Count(r => r!["payee"]!.GetValue<string>() == payee);

    [SkippableFact]
    public async Task Staff_file_a_spending_request_in_yuan_with_files_once_under_the_apis_limits()
    {
        var yard = await PortalYard.BuildAsync(App);
        var staff = await SignInAsync(yard.TrusteeLogin);
        var path = yard.A("/spending/new");
        var page = await staff.GetAsync(path);
        Assert.Equal(200, page.Status);
        Assert.NotNull(page.Document.QuerySelector("form[enctype='multipart/form-data'] input[type=file][name=files]"));
        var (action, fields) = PortalClient.FormOf(page, path);
        var values = new Dictionary<string, string>(fields)
        {
            ["payee"] = "某某绿化公司", ["amount"] = "1,234.56", ["account"] = "6103", ["budgetLine"] = "", ["description"] = "十一月绿化养护",
        };

        // One rule: attachments are PDF, PNG or JPEG. A text file is refused with a sentence; nothing is filed or stored.
        var text = Encoding.UTF8.GetBytes("not a voucher");
        var refused = await staff.PostFilesAsync(action, new(values) { ["formId"] = "text-file-form-0001" }, ("files", "note.txt", text));
        Assert.Equal(415, refused.Status);
        Assert.Equal("unsupported_media_type", refused.AlertCode);
        Assert.Equal("附件只能是 PDF、PNG 或 JPEG 文件。", refused.Alert);
        Assert.Equal("某某绿化公司", refused.Document.QuerySelector("#payee")?.GetAttribute("value")); // what was typed is kept
        Assert.Equal(0, await RequestsToAsync(yard, "某某绿化公司"));
        Assert.Equal(404, (int)(await yard.Trustee.GetAsync(yard.P($"/attachments/{Sha(text)}"))).StatusCode);
        var tooLarge = await staff.PostFilesAsync(action, new(values) { ["formId"] = "large-file-form-0001" }, ("files", "big.png", new byte[10 * 1024 * 1024 + 1]));
        Assert.Equal(413, tooLarge.Status);
        Assert.Equal("payload_too_large", tooLarge.AlertCode);
        var unknown = await staff.PostFilesAsync(action, new(values) { ["formId"] = "unknown-acct-0001", ["account"] = "9999" }, ("files", "v.png", PortalYard.Png));
        Assert.Equal("unknown_account", unknown.AlertCode);
        Assert.Equal(0, await RequestsToAsync(yard, "某某绿化公司"));

        // Without its antiforgery token the form changes nothing.
        var noToken = new Dictionary<string, string>(values);
        noToken.Remove("__RequestVerificationToken");
        Assert.Equal(400, (await staff.PostFilesAsync(action, noToken, ("files", "v.png", PortalYard.Png))).Status);
        Assert.Equal(0, await RequestsToAsync(yard, "某某绿化公司"));

        var filed = await staff.PostFilesAsync(action, values, ("files", "photo.png", PortalYard.Png), ("files", "invoice.pdf", Pdf));
        Assert.Equal(303, filed.Status);
        Assert.Matches($"^{yard.A("/spending/")}[0-9]+$", filed.Location);
        var again = await staff.PostFilesAsync(action, values, ("files", "photo.png", PortalYard.Png), ("files", "invoice.pdf", Pdf));
        Assert.Equal(303, again.Status);
        Assert.Equal(filed.Location, again.Location); // the same form twice: the first request again
        Assert.Equal(1, await RequestsToAsync(yard, "某某绿化公司"));
        var id = long.Parse(filed.Location![(filed.Location!.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture);
        var request = await yard.Trustee.GetJsonAsync(yard.P($"/spending-requests/{id}"));
        Assert.Equal(123456, request["amount"]!.GetValue<long>()); // 1,234.56 yuan is 123456 fen exactly
        Assert.Equal("pending", request["status"]!.GetValue<string>());
        Assert.Equal(new[] { Sha(PortalYard.Png), Sha(Pdf) }.Order(), request["attachments"]!.AsArray().Select(a => a!.GetValue<string>()).Order());
        var shown = await staff.GetAsync(filed.Location);
        Assert.Contains("¥1,234.56", shown.Text);
        Assert.NotNull(shown.Notice);

        // Supervisors and owners do not file requests (the API's 403), not even with their own valid token.
        var supervisor = await SignInAsync(yard.SupervisorLogin);
        Assert.Equal(403, (await supervisor.GetAsync(path)).Status);
        var supervisorFields = await TokenAsync(supervisor, yard.A());
        Assert.Equal(403, (await supervisor.PostFilesAsync(path, new(values) { ["__RequestVerificationToken"] = supervisorFields["__RequestVerificationToken"], ["payee"] = "监察人" })).Status);
        Assert.Equal(403, (await (await SignInAsync(yard.OwnerLogins[0])).GetAsync(path)).Status);
        Assert.Equal(0, await RequestsToAsync(yard, "监察人"));
    }

    /// <summary>
    /// Posts a body over the server's limit as a browser does, reading while still sending: Kestrel answers before
    /// the whole body has arrived and then closes, which HttpClient reports only as a broken pipe.
    /// </summary>
    private static async Task<(int Status, string Text)> PostOverLimitAsync(Uri server, string path, string cookies, HttpContent content)
    {
        var body = await content.ReadAsByteArrayAsync();
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        var stream = tcp.GetStream();
        var reading = new StreamReader(stream, Encoding.UTF8).ReadToEndAsync();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: {server.Authority}\r\nCookie: {cookies}\r\n" +
            $"Content-Type: {content.Headers.ContentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
        try { await stream.WriteAsync(body); } catch (IOException) { } // the server stopped reading at its limit
        var response = await reading;
        return (int.Parse(response.Split(' ')[1], CultureInfo.InvariantCulture), response);
    }

    [SkippableFact]
    public async Task Files_within_each_limit_but_over_the_forms_total_are_refused_as_too_large_not_as_an_expired_form()
    {
        var yard = await PortalYard.BuildAsync(App);
        // The body limit is the server's (the test server has none): Kestrel on a port, on the same database.
        using var served = new LedgerApp(App.Engine, null, App.ConnectionString);
        served.UseKestrel(0);
        served.StartServer();
        var server = new Uri(served.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("localhost", "127.0.0.1"));
        var cookies = new System.Net.CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = server };
        var staff = new PortalClient(http);
        await staff.SignInAsync(yard.TrusteeLogin, PortalYard.Password);
        var path = yard.A("/spending/new");
        var (_, fields) = PortalClient.FormOf(await staff.GetAsync(path), path);
        foreach (var (k, v) in new Dictionary<string, string> { ["payee"] = "大文件公司", ["amount"] = "100", ["account"] = "6103", ["description"] = "七份扫描件" }) fields[k] = v;
        // Seven scans of 10,000,000 bytes: each under the 10 MB a file may have (20 files allowed), the whole form over 64 MB.
        using var form = new MultipartFormDataContent();
        foreach (var (k, v) in fields) form.Add(new StringContent(v), k);
        for (var i = 0; i < 7; i++)
        {
            var scan = new byte[10_000_000];
            Pdf.CopyTo(scan, 0);
            scan[^1] = (byte)i;
            form.Add(new ByteArrayContent(scan), "files", $"scan{i}.pdf");
        }
        var (status, text) = await PostOverLimitAsync(server, path, cookies.GetCookieHeader(server), form);
        Assert.Equal(413, status);
        Assert.Contains("payload_too_large", text);
        // It said 表单已失效: "open too long, signed out, or not sent from this site's page".
        Assert.Contains("表单连同附件超过 64 MB，没有做任何更改。请减少或压缩附件后重新提交。", text);
        Assert.Equal(0, await RequestsToAsync(yard, "大文件公司"));
    }

    [SkippableFact]
    public async Task Staff_pay_an_approved_request_with_its_voucher_once_and_the_api_sees_the_same_payment()
    {
        var yard = await PortalYard.BuildAsync(App);
        var staff = await SignInAsync(yard.TrusteeLogin);
        var path = yard.A($"/spending/{yard.RequestId}");
        var pending = await staff.GetAsync(path);
        Assert.Null(pending.Document.QuerySelector("form[action*=Pay]")); // nothing to pay before approval
        var token = PortalClient.FormOf(pending, path, 0, "form.inline").Fields;
        var values = new Dictionary<string, string>(token) { ["paidAt"] = "2026-11-21", ["bankRef"] = "BK-PORTAL-1" };
        var voucher = ("voucher", "voucher.pdf", Pdf);

        // The API's rule, as a sentence: a pending request is not paid.
        var early = await staff.PostFilesAsync($"{path}?handler=Pay", values, voucher);
        Assert.Equal(422, early.Status);
        Assert.Equal("not_approved", early.AlertCode);
        Assert.Equal("这项申请尚未获批准，不能付款。", early.Alert);
        Assert.Equal("pending", (await yard.Trustee.GetJsonAsync(yard.P($"/spending-requests/{yard.RequestId}")))["status"]!.GetValue<string>());

        await (await yard.Supervisor.PostAsync(yard.P($"/spending-requests/{yard.RequestId}/decisions"), new { decision = "approve", comment = "同意" })).AssertStatus(200);
        var page = await staff.GetAsync(path);
        var (action, fields) = PortalClient.FormOf(page, path, 0, "main form[action*=Pay]");
        Assert.Equal(yard.A($"/spending/{yard.RequestId}?handler=Pay"), action);
        fields["paidAt"] = "2026-11-21";
        fields["bankRef"] = "BK-PORTAL-1";

        var noToken = new Dictionary<string, string>(fields);
        noToken.Remove("__RequestVerificationToken");
        Assert.Equal(400, (await staff.PostFilesAsync(action, noToken, voucher)).Status);
        var supervisor = await SignInAsync(yard.SupervisorLogin);
        var supervisorToken = await TokenAsync(supervisor, path);
        Assert.Equal(403, (await supervisor.PostFilesAsync(action, new(fields) { ["__RequestVerificationToken"] = supervisorToken["__RequestVerificationToken"] }, voucher)).Status);
        Assert.Equal("approved", (await yard.Trustee.GetJsonAsync(yard.P($"/spending-requests/{yard.RequestId}")))["status"]!.GetValue<string>());

        var paid = await staff.PostFilesAsync(action, fields, voucher);
        Assert.Equal(303, paid.Status);
        Assert.Equal(path, paid.Location);
        Assert.Equal(303, (await staff.PostFilesAsync(action, fields, voucher)).Status); // sent twice, paid once
        var request = await yard.Trustee.GetJsonAsync(yard.P($"/spending-requests/{yard.RequestId}"));
        Assert.Equal("paid", request["status"]!.GetValue<string>());
        Assert.Equal(Sha(Pdf), request["voucher"]!.GetValue<string>());
        var seq = request["paidSeq"]!.GetValue<long>();
        // The bank reference is the API's idempotency key with the API's fingerprint: the same payment through the API is a replay.
        var api = await yard.Trustee.PostAsync(yard.P($"/spending-requests/{yard.RequestId}/payment"), new { paidAt = "2026-11-21", bankRef = "BK-PORTAL-1", voucher = Sha(Pdf) });
        Assert.Equal(201, (int)api.StatusCode);
        Assert.Equal("true", api.Headers.GetValues("Idempotency-Replayed").Single());
        var shown = await staff.GetAsync(path);
        Assert.Contains($"账簿序号 {seq}", shown.Notice);
        Assert.Contains($"#{seq}", shown.Text);
        Assert.Contains(yard.A($"/attachments/{Sha(Pdf)}"), shown.Text); // the voucher opens from the page
        Assert.Null(shown.Document.QuerySelector("form[action*=Pay]"));
        // The day the trustee paid (付款日期), as the pay form named it, not a fee payment's (缴费日期).
        Assert.Contains("付款日期 2026-11-21", shown.Text);
        Assert.DoesNotContain("缴费日期", shown.Text);
    }

    [SkippableFact]
    public async Task A_supervisor_remarks_on_a_draft_statement_and_the_community_admin_publishes_in_order()
    {
        var yard = await PortalYard.BuildAsync(App);
        await (await yard.Trustee.PostAsync(yard.P("/months/2026-09/close"), null)).AssertStatus(200);
        await (await yard.Trustee.PostAsync(yard.P("/months/2026-10/close"), null)).AssertStatus(200);
        var path = yard.A("/statements");
        var supervisor = await SignInAsync(yard.SupervisorLogin);
        var page = await supervisor.GetAsync(path);
        Assert.Equal(200, page.Status);
        Assert.NotNull(page.Document.QuerySelector("#s-2026-10"));
        Assert.Null(page.Document.QuerySelector("form[action*=Publish]")); // publishing is the community admin's
        var (action, fields) = PortalClient.FormOf(page, path, 0, "#s-2026-10 form[action*=Remark]");
        Assert.Equal("2026-10", fields["period"]);

        var empty = await supervisor.PostAsync(action, new(fields) { ["text"] = "", ["formId"] = "empty-remark-form-01" });
        Assert.Equal(400, empty.Status);
        Assert.Equal("validation_failed", empty.AlertCode);
        var noToken = new Dictionary<string, string>(fields) { ["text"] = "无令牌" };
        noToken.Remove("__RequestVerificationToken");
        Assert.Equal(400, (await supervisor.PostAsync(action, noToken)).Status);
        Assert.Empty((await yard.Supervisor.GetJsonAsync(yard.P("/statements/2026-10")))["remarks"]!.AsArray());

        fields["text"] = "已核对十月支出凭证，无异常。";
        Assert.Equal(303, (await supervisor.PostAsync(action, fields)).Status);
        Assert.Equal(303, (await supervisor.PostAsync(action, fields)).Status); // sent twice, remarked once
        var remarks = (await yard.Supervisor.GetJsonAsync(yard.P("/statements/2026-10")))["remarks"]!.AsArray();
        Assert.Equal("已核对十月支出凭证，无异常。", Assert.Single(remarks)!["text"]!.GetValue<string>());
        Assert.Contains("已核对十月支出凭证，无异常。", (await supervisor.GetAsync(path)).Text);

        // The admin publishes; the API's order rule is a sentence: September first.
        var admin = await SignInAsync(yard.AdminLogin);
        var adminPage = await admin.GetAsync(path);
        Assert.Null(adminPage.Document.QuerySelector("form[action*=Remark]")); // remarks are the supervisor's
        var (publish, publishFields) = PortalClient.FormOf(adminPage, path, 0, "#s-2026-10 form[action*=Publish]");
        var early = await admin.PostAsync(publish, publishFields);
        Assert.Equal(409, early.Status);
        Assert.Equal("earlier_statement_unpublished", early.AlertCode);
        Assert.Equal("draft", (await yard.Supervisor.GetJsonAsync(yard.P("/statements")))["items"]!.AsArray().Single(s => s!["period"]!.GetValue<string>() == "2026-10")!["status"]!.GetValue<string>());
        Assert.Equal(403, (await supervisor.PostAsync(publish, new(fields) { ["period"] = "2026-09" })).Status); // a supervisor does not publish
        Assert.Equal(403, (await admin.PostAsync(action, new(publishFields) { ["text"] = "委员意见" })).Status); // an admin does not remark

        var (september, septemberFields) = PortalClient.FormOf(await admin.GetAsync(path), path, 0, "#s-2026-09 form[action*=Publish]");
        Assert.Equal(303, (await admin.PostAsync(september, septemberFields)).Status);
        Assert.Equal(303, (await admin.PostAsync(september, septemberFields)).Status);
        var (october, octoberFields) = PortalClient.FormOf(await admin.GetAsync(path), path, 0, "#s-2026-10 form[action*=Publish]");
        Assert.Equal(303, (await admin.PostAsync(october, octoberFields)).Status);
        var published = (await App.Anonymous().GetJsonAsync($"/p/{yard.Slug}/statements/2026-10.json"));
        Assert.Equal("已核对十月支出凭证，无异常。", Assert.Single(published["remarks"]!.AsArray())!["text"]!.GetValue<string>());
        var late = await supervisor.PostAsync(action, new(fields) { ["formId"] = "late-remark-form-01", ["text"] = "迟到的意见" });
        Assert.Equal(409, late.Status);
        Assert.Equal("statement_published", late.AlertCode);

        Assert.Equal(403, (await (await SignInAsync(yard.OwnerLogins[0])).GetAsync(path)).Status);
    }

    [SkippableFact]
    public async Task A_vote_on_an_incomplete_register_or_a_second_budget_vote_is_refused_with_a_sentence()
    {
        var yard = await PortalYard.BuildAsync(App);
        var admin = await SignInAsync(yard.AdminLogin);
        async Task<int> CountAsync() => (await yard.Admin.GetJsonAsync(yard.P("/motions")))["items"]!.AsArray().Count;
        var before = await CountAsync();

        // Another published 2026 draft: the 2026 budget is in force, so only an amendment can put it to a vote, once at a time.
        var draft = (await (await yard.Trustee.PostAsync(yard.P("/budgets"), new
        {
            fiscalYear = 2026, lines = new[] { new { account = "6103", amount = 3_500_000L, note = "保洁" } },
        })).AssertStatus(201))["id"]!.GetValue<long>();
        await (await yard.Trustee.PostAsync(yard.P($"/budgets/{draft}/publish"), null)).AssertStatus(200);
        Dictionary<string, string> Vote(string kind, string subjectId) => new()
        {
            ["kind"] = kind, ["subjectId"] = subjectId, ["title"] = "预算修订", ["body"] = "请表决。", ["opensAt"] = "2026-12-20T09:00", ["closesAt"] = "2026-12-27T09:00",
        };
        Assert.Equal(303, (await admin.SubmitAsync(yard.A("/motions/new"), Vote("budget_amendment", $"{draft}"))).Status);
        var pending = await admin.SubmitAsync(yard.A("/motions/new"), Vote("budget_amendment", $"{draft}"));
        Assert.Equal(409, pending.Status);
        Assert.Equal("budget_vote_pending", pending.AlertCode);
        Assert.Contains("同一年度一次只能表决一份预算", pending.Alert);
        Assert.Equal(before + 1, await CountAsync());

        // A delivered unit without its owner on the register.
        await (await yard.Admin.PostAsync(yard.P("/units"), new { building = "5栋", number = "901", use = "residential", area = 90m, areaSource = "registered", delivered = true })).AssertStatus(201);
        var zh = await admin.SubmitAsync(yard.A("/motions/new"), Vote("other", ""));
        Assert.Equal(409, zh.Status);
        Assert.Equal("register_incomplete", zh.AlertCode);
        Assert.Contains("业主名册不完整", zh.Alert);
        var en = await admin.SubmitAsync(yard.A("/motions/new?lang=en"), Vote("other", ""));
        Assert.Equal("register_incomplete", en.AlertCode);
        Assert.Contains("5栋-901", en.Alert);
        Assert.Equal(before + 1, await CountAsync());
    }

    [SkippableFact]
    public async Task The_committee_opens_a_vote_after_its_notice_period_and_a_short_notice_is_a_sentence()
    {
        var yard = await PortalYard.BuildAsync(App);
        var admin = await SignInAsync(yard.AdminLogin);
        var path = yard.A("/motions/new");
        var page = await admin.GetAsync(path);
        Assert.Equal(200, page.Status);
        var (action, fields) = PortalClient.FormOf(page, path);
        var values = new Dictionary<string, string>(fields)
        {
            ["kind"] = "other", ["subjectId"] = "", ["title"] = "更换小区门禁", ["body"] = "门禁老化，拟更换。", ["opensAt"] = "2026-11-23T09:00", ["closesAt"] = "2026-11-30T09:00",
        };
        async Task<int> CountAsync() => (await yard.Admin.GetJsonAsync(yard.P("/motions")))["items"]!.AsArray().Count(m => m!["title"]!.GetValue<string>() == "更换小区门禁");

        var early = await admin.PostAsync(action, values);
        Assert.Equal(422, early.Status);
        Assert.Equal("notice_too_short", early.AlertCode);
        Assert.Contains("公告期", early.Alert);
        var noToken = new Dictionary<string, string>(values) { ["opensAt"] = "2026-12-20T09:00", ["closesAt"] = "2026-12-27T09:00" };
        noToken.Remove("__RequestVerificationToken");
        Assert.Equal(400, (await admin.PostAsync(action, noToken)).Status);
        Assert.Equal(0, await CountAsync());

        values["opensAt"] = "2026-12-20T09:00";
        values["closesAt"] = "2026-12-27T09:00";
        var created = await admin.PostAsync(action, values);
        Assert.Equal(303, created.Status);
        Assert.Matches($"^{yard.A("/motions/")}[0-9]+$", created.Location);
        Assert.Equal(created.Location, (await admin.PostAsync(action, values)).Location); // sent twice, opened once
        Assert.Equal(1, await CountAsync());
        var motion = (await yard.Admin.GetJsonAsync(yard.P("/motions")))["items"]!.AsArray().Single(m => m!["title"]!.GetValue<string>() == "更换小区门禁")!;
        Assert.Equal(new DateTimeOffset(2026, 12, 20, 1, 0, 0, TimeSpan.Zero), DateTimeOffset.Parse(motion["opensAt"]!.GetValue<string>(), CultureInfo.InvariantCulture)); // 09:00 in Shanghai
        var shown = await admin.GetAsync(created.Location!);
        Assert.Contains("更换小区门禁", shown.Text);
        Assert.NotNull(shown.Notice);

        var supervisor = await SignInAsync(yard.SupervisorLogin);
        Assert.Equal(403, (await supervisor.GetAsync(path)).Status);
        var token = await TokenAsync(supervisor, yard.A());
        Assert.Equal(403, (await supervisor.PostAsync(action, new(values) { ["__RequestVerificationToken"] = token["__RequestVerificationToken"], ["title"] = "监察人发起" })).Status);
        Assert.Equal(403, (await (await SignInAsync(yard.TrusteeLogin)).GetAsync(path)).Status);
        Assert.Equal(403, (await (await SignInAsync(yard.OwnerLogins[0])).GetAsync(path)).Status);
    }

    [SkippableFact]
    public async Task The_asker_rates_an_answer_once_and_the_supervisor_records_a_finding_on_the_escalated_query()
    {
        var yard = await PortalYard.BuildAsync(App);
        var owner = await SignInAsync(yard.OwnerLogins[0]);
        var path = yard.A("/queries");
        var decided = (await yard.DecidedRequestAsync()).ToString(CultureInfo.InvariantCulture);
        var asked = await owner.SubmitAsync(path, new() { ["subject"] = "spendingRequest", ["subjectId"] = decided, ["question"] = "为什么不比价？" });
        Assert.Equal(303, asked.Status);
        var second = await owner.SubmitAsync(path, new() { ["subject"] = "spendingRequest", ["subjectId"] = decided, ["question"] = "合同在哪里？" });
        Assert.Equal(303, second.Status);
        var items = (await yard.Trustee.GetJsonAsync(yard.P("/queries")))["items"]!.AsArray();
        long IdOf(string question) => items.Single(q => q!["question"]!.GetValue<string>() == question)!["id"]!.GetValue<long>();
        var (disputed, open) = (IdOf("为什么不比价？"), IdOf("合同在哪里？"));
        await (await yard.Trustee.PostAsync(yard.P($"/queries/{disputed}/answer"), new { answer = "供应商是唯一的。" })).AssertStatus(200);
        async Task<System.Text.Json.Nodes.JsonObject> QueryAsync(long id) =>
            (await yard.Trustee.GetJsonAsync(yard.P("/queries")))["items"]!.AsArray().Single(q => q!["id"]!.GetValue<long>() == id)!.AsObject();

        // Only the asker is offered the form; another owner who posts it anyway gets the API's not_the_asker.
        var other = await SignInAsync(yard.OwnerLogins[1]);
        var otherPage = await other.GetAsync(path);
        Assert.Null(otherPage.Document.QuerySelector("form[action*=Rate]"));
        var page = await owner.GetAsync(path);
        var (action, fields) = PortalClient.FormOf(page, path, 0, $"#query-{disputed} form[action*=Rate]");
        Assert.Null(page.Document.QuerySelector($"#query-{open} form[action*=Rate]")); // not answered yet
        var otherFields = PortalClient.FormOf(otherPage, path).Fields;
        var stranger = await other.PostAsync(action, new(otherFields) { ["queryId"] = disputed.ToString(CultureInfo.InvariantCulture), ["satisfied"] = "true" });
        Assert.Equal(403, stranger.Status);
        Assert.Equal("not_the_asker", stranger.AlertCode);

        // Unsatisfied needs a comment (the API's rule), as a sentence; nothing is rated.
        var bare = await owner.PostAsync(action, new(fields) { ["satisfied"] = "false", ["comment"] = "" });
        Assert.Equal(400, bare.Status);
        Assert.Equal("validation_failed", bare.AlertCode);
        Assert.Equal("“说明（不满意时必填）”：请填写此项。", bare.Alert); // the field as the rating form labels it, not a decision's 意见
        var noToken = new Dictionary<string, string>(fields) { ["satisfied"] = "false", ["comment"] = "没有说明" };
        noToken.Remove("__RequestVerificationToken");
        Assert.Equal(400, (await owner.PostAsync(action, noToken)).Status);
        Assert.Equal("answered", (await QueryAsync(disputed))["status"]!.GetValue<string>());

        fields["satisfied"] = "false";
        fields["comment"] = "没有说明为何不比价";
        Assert.Equal(303, (await owner.PostAsync(action, fields)).Status);
        Assert.Equal(303, (await owner.PostAsync(action, fields)).Status); // sent twice, rated once
        var rated = await QueryAsync(disputed);
        Assert.Equal("escalated", rated["status"]!.GetValue<string>());
        Assert.False(rated["rating"]!["satisfied"]!.GetValue<bool>());
        Assert.Null((await owner.GetAsync(path)).Document.QuerySelector("form[action*=Rate]"));

        // The supervisor's finding closes the escalated query; on one that is not escalated it is the API's 409.
        var supervisor = await SignInAsync(yard.SupervisorLogin);
        var supervisorPage = await supervisor.GetAsync(path);
        Assert.Null(supervisorPage.Document.QuerySelector($"#query-{open} form[action*=Finding]"));
        var (finding, findingFields) = PortalClient.FormOf(supervisorPage, path, 0, $"#query-{disputed} form[action*=Finding]");
        var notEscalated = await supervisor.PostAsync(finding, new(findingFields) { ["queryId"] = open.ToString(CultureInfo.InvariantCulture), ["finding"] = "无", ["upheld"] = "false", ["formId"] = "not-escalated-form-1" });
        Assert.Equal(409, notEscalated.Status);
        Assert.Equal("query_not_escalated", notEscalated.AlertCode);
        Assert.Equal(403, (await owner.PostAsync(finding, new(fields) { ["finding"] = "业主自判", ["upheld"] = "true" })).Status);
        Assert.Equal("escalated", (await QueryAsync(disputed))["status"]!.GetValue<string>());
        findingFields["finding"] = "应当比价，已要求受托人补充三家报价。";
        findingFields["upheld"] = "true";
        Assert.Equal(303, (await supervisor.PostAsync(finding, findingFields)).Status);
        Assert.Equal(303, (await supervisor.PostAsync(finding, findingFields)).Status);
        var closed = await QueryAsync(disputed);
        Assert.Equal("closed", closed["status"]!.GetValue<string>());
        Assert.True(closed["finding"]!["upheld"]!.GetValue<bool>());
        Assert.Contains("应当比价，已要求受托人补充三家报价。", (await owner.GetAsync(path)).Text);
    }

    private static async Task<int> PaymentsOfAsync(PortalYard yard) =>
        (await yard.Trustee.GetJsonAsync(yard.P($"/units/{yard.Units[0]}/statement")))["payments"]!.AsArray().Count;

    [SkippableFact]
    public async Task The_payment_form_records_only_its_own_channels_and_amounts_the_api_accepts_read_one_way()
    {
        var yard = await PortalYard.BuildAsync(App);
        var staff = await SignInAsync(yard.TrusteeLogin);
        var path = yard.A("/payments/new");
        var values = new Dictionary<string, string> { ["building"] = "5栋", ["number"] = "101", ["amount"] = "180.00", ["paidAt"] = "2026-11-21", ["channel"] = "wechat", ["externalRef"] = "WX-FORM-1" };

        // A channel the form does not offer is a sentence naming the field and the offered channels; nothing is recorded.
        var bitcoin = await staff.SubmitAsync(path, new(values) { ["channel"] = "bitcoin", ["externalRef"] = "BTC-1" });
        Assert.Equal(400, bitcoin.Status);
        Assert.Equal("validation_failed", bitcoin.AlertCode);
        Assert.Equal("“缴费渠道”：只能选择银行转账、微信、支付宝、现金之一。", bitcoin.Alert);
        Assert.Equal(0, await PaymentsOfAsync(yard));
        // A form without the field is not read as a bank transfer: the same sentence, nothing recorded.
        var noChannel = await staff.SubmitAsync(path, new(values.Where(v => v.Key != "channel").ToDictionary()) { ["externalRef"] = "NONE-1" });
        Assert.Equal(400, noChannel.Status);
        Assert.Equal(bitcoin.Alert, noChannel.Alert);
        Assert.Equal(0, await PaymentsOfAsync(yard));

        // More than the API accepts for a payment (EntryRules.MaxAmountFen) is refused in yuan, before anything is written.
        var huge = await staff.SubmitAsync(path, new(values) { ["amount"] = "1,000,000,000,000.01", ["externalRef"] = "HUGE-1" });
        Assert.Equal(400, huge.Status);
        Assert.Equal("validation_failed", huge.AlertCode);
        Assert.Equal($"金额不能超过 {Ledger.Api.Public.Html.Money(Ledger.Domain.Model.EntryRules.MaxAmountFen)}。", huge.Alert);
        Assert.Equal(0, await PaymentsOfAsync(yard));

        // A comma only ever separates thousands (Yuan.TryParseFen), and the form says so: "1,000" is a thousand yuan,
        // while "1,00" (a decimal comma) is refused rather than guessed.
        var page = await staff.GetAsync(path);
        Assert.Contains("千位可用逗号分隔", page.Document.QuerySelector("#amount-help")!.TextContent);
        var decimalComma = await staff.SubmitAsync(path, new(values) { ["amount"] = "1,00", ["externalRef"] = "COMMA-1" });
        Assert.Equal(400, decimalComma.Status);
        Assert.Contains("千位可用逗号分隔", decimalComma.Alert);
        var thousand = await staff.SubmitAsync(path, new(values) { ["amount"] = "1,000" });
        Assert.Equal(303, thousand.Status);
        var payment = Assert.Single((await yard.Trustee.GetJsonAsync(yard.P($"/units/{yard.Units[0]}/statement")))["payments"]!.AsArray())!;
        Assert.Equal(100_000, payment["amount"]!.GetValue<long>());
        Assert.Equal("wechat", payment["channel"]!.GetValue<string>());

        // In English, the field's English label and the channels' English names.
        await staff.GetAsync(path + "?lang=en");
        var english = await staff.SubmitAsync(path, new(values) { ["channel"] = "bitcoin", ["externalRef"] = "BTC-2" });
        Assert.Equal("Channel: Choose one of Bank transfer, WeChat, Alipay, Cash.", english.Alert);
    }

    [SkippableFact]
    public async Task Refusals_name_fields_by_their_labels_and_labels_say_what_the_field_holds()
    {
        var yard = await PortalYard.BuildAsync(App);
        var owner = await SignInAsync(yard.OwnerLogins[0]);

        // A ballot without a choice and a comment without text: the form's labels, never "choice" or "text".
        var motion = yard.A($"/motions/{yard.MotionId}");
        var ballot = await owner.SubmitAsync(motion, new() { ["choice"] = "" });
        Assert.Equal(400, ballot.Status);
        Assert.Equal("“表决”：请填写此项。", ballot.Alert);
        var maybe = await owner.SubmitAsync(motion, new() { ["choice"] = "maybe" });
        Assert.Equal("“表决”：请选择同意、反对或弃权。", maybe.Alert);
        // The budget is adopted, so its page offers no comment form: the motion page's token and key serve to post one.
        var budget = yard.A($"/budgets/{yard.BudgetId}");
        var token = PortalClient.FormOf(await owner.GetAsync(motion), motion).Fields;
        var comment = await owner.PostAsync(budget, new(token) { ["text"] = "" });
        Assert.Equal(400, comment.Status);
        Assert.Equal("“您的意见”：请填写此项。", comment.Alert);
        await owner.GetAsync(motion + "?lang=en");
        var english = await owner.SubmitAsync(motion, new() { ["choice"] = "" });
        Assert.Equal("Vote: Please fill this in.", english.Alert);
        Assert.Equal("Your comment: Please fill this in.", (await owner.PostAsync(budget, new(token) { ["text"] = "" })).Alert);

        // The pay form's date is the day the trustee paid (付款日期), not a fee payment's (缴费日期).
        await (await yard.Supervisor.PostAsync(yard.P($"/spending-requests/{yard.RequestId}/decisions"), new { decision = "approve", comment = "同意" })).AssertStatus(200);
        var staff = await SignInAsync(yard.TrusteeLogin);
        var request = await staff.GetAsync(yard.A($"/spending/{yard.RequestId}"));
        Assert.Equal("付款日期", request.Document.QuerySelector("form[action*=Pay] label[for=paidAt]")?.TextContent);
        Assert.Equal("缴费日期", (await staff.GetAsync(yard.A("/payments/new"))).Document.QuerySelector("label[for=paidAt]")?.TextContent);

        // A time the vote form cannot read: the field's label quoted as every other refusal on a Chinese page puts it.
        var admin = await SignInAsync(yard.AdminLogin);
        var badTime = await admin.SubmitAsync(yard.A("/motions/new"), new() { ["kind"] = "other", ["title"] = "增设快递柜", ["opensAt"] = "2026-13-01T09:00" });
        Assert.Equal(400, badTime.Status);
        Assert.Equal("“开始”：请填写日期和时间，例如 2026-12-08T09:00。", badTime.Alert);
        var badSubject = await admin.SubmitAsync(yard.A("/motions/new"), new() { ["kind"] = "other", ["title"] = "增设快递柜", ["subjectId"] = "abc", ["opensAt"] = "2026-12-08T09:00", ["closesAt"] = "2026-12-15T09:00" });
        Assert.Equal("“表决对象编号”：预算表决填预算编号，支出表决填支出申请编号；其他事项不填。", badSubject.Alert);

        // The budget lines offered on the spending form are named, not bare codes.
        var spending = await staff.GetAsync(yard.A("/spending/new"));
        var options = spending.Document.QuerySelectorAll("datalist#lines option").ToDictionary(o => o.GetAttribute("value")!, o => o.GetAttribute("label"));
        Assert.Equal("6103 清洁卫生", options["6103"]);
        Assert.Equal("6201 受托人酬金", options["6201"]);
    }

    [SkippableFact]
    public async Task A_form_that_writes_needs_its_form_key_in_the_apis_idempotency_key_shape()
    {
        var yard = await PortalYard.BuildAsync(App);
        var owner = await SignInAsync(yard.OwnerLogins[0]);
        var path = yard.A("/queries");
        var page = await owner.GetAsync(path);
        var (action, fields) = PortalClient.FormOf(page, path);
        Assert.Matches("^[A-Za-z0-9_-]{22}$", fields["formId"]);
        fields["subject"] = "spendingRequest";
        fields["subjectId"] = (await yard.DecidedRequestAsync()).ToString(CultureInfo.InvariantCulture);
        async Task<int> AskedAsync(string question) =>
            (await yard.Trustee.GetJsonAsync(yard.P("/queries")))["items"]!.AsArray().Count(q => q!["question"]!.GetValue<string>() == question);

        Dictionary<string, string> With(string? formId, string question)
        {
            var sent = new Dictionary<string, string>(fields) { ["question"] = question };
            if (formId is null) sent.Remove("formId");
            else sent["formId"] = formId;
            return sent;
        }
        foreach (var (formId, question) in new[]
                 {
                     ((string?)null, "没有表单编号？"), (new string('k', 300), "编号太长？"), (new string('k', 101), "编号长了一个字符？"),
                     ("", "编号为空？"), ("有中文的编号-0000000", "编号不是可见ASCII？"),
                 })
        {
            var refused = await owner.PostAsync(action, With(formId, question));
            Assert.Equal(400, refused.Status);
            Assert.Equal("form_invalid", refused.AlertCode);
            Assert.Equal("这张表单缺少或带有无效的防重复提交编号，没有做任何更改。请重新打开页面再提交。", refused.Alert);
            Assert.Equal(0, await AskedAsync(question));
        }
        // A key of the API's longest shape (100 visible ASCII characters) is a key.
        var longest = With(new string('k', 100), "最长的编号");
        Assert.Equal(303, (await owner.PostAsync(action, longest)).Status);
        Assert.Equal(303, (await owner.PostAsync(action, longest)).Status);
        Assert.Equal(1, await AskedAsync("最长的编号"));
    }
}

public sealed class SqlitePortalFormsTests(SqliteFixture fixture) : PortalFormsTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresPortalFormsTests(PostgresFixture fixture) : PortalFormsTests(fixture), IClassFixture<PostgresFixture>;
