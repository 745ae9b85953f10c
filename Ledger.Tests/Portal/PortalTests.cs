using System.Net.Http.Headers;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Portal;

/// <summary>The portal through real HTTP (cookies, antiforgery, forms, redirects), on each engine.</summary>
public abstract class PortalTests(EngineFixture fixture)
{
    private LedgerApp App => fixture.App;

    private async Task<(PortalYard Yard, PortalClient Client)> SignedInAsync(Func<PortalYard, string> login)
    {
        var yard = await PortalYard.BuildAsync(App);
        var client = PortalClient.For(App);
        await client.SignInAsync(login(yard), PortalYard.Password);
        return (yard, client);
    }

    private static string? SessionToken(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies)
            ? cookies.Where(c => c.StartsWith("ledger_session=", StringComparison.Ordinal)).Select(c => c["ledger_session=".Length..].Split(';')[0]).FirstOrDefault()
            : null;

    [SkippableFact]
    public async Task Sign_in_is_an_httponly_lax_cookie_on_the_same_session_as_a_bearer_token_and_sign_out_ends_both()
    {
        var yard = await PortalYard.BuildAsync(App);
        var client = PortalClient.For(App);
        var signIn = await client.SignInAsync(yard.OwnerLogins[0], PortalYard.Password);
        Assert.Equal("/app", signIn.Location);
        var cookie = signIn.Response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ledger_session=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("httponly", cookie);
        Assert.Contains("samesite=lax", cookie);
        Assert.DoesNotContain("secure", cookie); // plain HTTP here; Secure when the request came over HTTPS

        var home = await client.GetAsync("/app");
        Assert.Equal(302, home.Status); // one community: straight to it
        Assert.Equal(yard.A(), home.Location);
        var page = await client.GetAsync(yard.A());
        Assert.Equal(200, page.Status);
        Assert.Equal("no-store", page.Response.Headers.CacheControl?.ToString());
        var csp = string.Join(";", page.Response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("default-src 'none'", csp);
        Assert.DoesNotContain("script-src", csp);
        Assert.Equal("DENY", page.Response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("zh-CN", page.Document.DocumentElement.GetAttribute("lang"));

        // The cookie's token is a session like any bearer token: the API accepts it, and signing out revokes it for both.
        var bearer = App.CreateClient();
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SessionToken(signIn.Response));
        Assert.Equal(200, (int)(await bearer.GetAsync("/api/v1/me")).StatusCode);
        var (action, fields) = PortalClient.FormOf(page, yard.A(), 0, "form.inline");
        var signOut = await client.PostAsync(action, fields);
        Assert.Equal(303, signOut.Status);
        Assert.Equal(401, (int)(await bearer.GetAsync("/api/v1/me")).StatusCode);
        var after = await client.GetAsync(yard.A());
        Assert.Equal(302, after.Status);
        Assert.StartsWith("/app/login", after.Location);
    }

    [SkippableFact]
    public async Task A_revoked_session_signs_the_cookie_out_too_and_the_api_never_honours_the_cookie()
    {
        var yard = await PortalYard.BuildAsync(App);
        var client = PortalClient.For(App);
        var signIn = await client.SignInAsync(yard.OwnerLogins[0], PortalYard.Password);
        var token = SessionToken(signIn.Response)!;
        // The JSON API takes bearer tokens only: a cookie alone is not a sign-in there (no cross-site writes through it).
        Assert.Equal(401, (int)(await client.Http.GetAsync("/api/v1/me")).StatusCode);
        var bearer = App.CreateClient();
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(204, (int)(await bearer.PostAsync("/api/v1/auth/logout", null)).StatusCode);
        var after = await client.GetAsync(yard.A($"/units/{yard.Units[0]}"));
        Assert.Equal(302, after.Status);
        Assert.StartsWith("/app/login", after.Location);
    }

    [SkippableFact]
    public async Task A_wrong_password_is_a_sentence_and_the_login_locks_after_five_failures_as_in_the_api()
    {
        var yard = await PortalYard.BuildAsync(App);
        var client = PortalClient.For(App);
        for (var i = 0; i < 5; i++)
        {
            var wrong = await client.SubmitAsync("/app/login", new() { ["login"] = yard.OwnerLogins[1], ["password"] = "not the password" });
            Assert.Equal(401, wrong.Status);
            Assert.Equal("登录名或密码不正确。", wrong.Alert);
            Assert.Equal("invalid_credentials", wrong.AlertCode);
        }
        var locked = await client.SubmitAsync("/app/login", new() { ["login"] = yard.OwnerLogins[1], ["password"] = PortalYard.Password });
        Assert.Equal(429, locked.Status);
        Assert.Equal("too_many_requests", locked.AlertCode);
        Assert.Null(SessionToken(locked.Response));
    }

    [SkippableFact]
    public async Task An_owner_activates_an_invitation_in_the_portal_and_lands_signed_in_on_their_unit()
    {
        var yard = await PortalYard.BuildAsync(App);
        var client = PortalClient.For(App);
        // A weak password is refused with the reason, in Chinese.
        var weak = await client.SubmitAsync("/app/activate", new() { ["invitationCode"] = yard.SpareInvitation, ["login"] = $"new-{yard.Slug}", ["password"] = "1234567890" });
        Assert.Equal(("validation_failed", "“密码”：键盘、字母或数字的连续序列容易被猜到。"), (weak.AlertCode, weak.Alert));
        // So is a login the rule refuses: which characters it takes, not only that something is wrong.
        var upper = await client.SubmitAsync("/app/activate", new() { ["invitationCode"] = yard.SpareInvitation, ["login"] = "Zhang San", ["password"] = "a good password 1" });
        Assert.Equal(("validation_failed", "“登录名”：请用3到64个小写字母、数字或 . _ @ - 符号。"), (upper.AlertCode, upper.Alert));
        var bad = await client.SubmitAsync("/app/activate", new() { ["invitationCode"] = "nope-nope", ["login"] = $"new-{yard.Slug}", ["password"] = "a good password 1" });
        Assert.Equal(422, bad.Status);
        Assert.Equal("invitation_invalid", bad.AlertCode);
        var done = await client.SubmitAsync("/app/activate", new() { ["invitationCode"] = yard.SpareInvitation, ["login"] = $"new-{yard.Slug}", ["password"] = "a good password 1" });
        Assert.Equal(303, done.Status);
        var home = await client.GetAsync(yard.A());
        Assert.Equal(200, home.Status);
        Assert.NotNull(home.Document.QuerySelector($"a[href='{yard.A($"/units/{yard.Units[2]}")}']"));
        var again = await PortalClient.For(App).SubmitAsync("/app/activate", new() { ["invitationCode"] = yard.SpareInvitation, ["login"] = $"new2-{yard.Slug}", ["password"] = "a good password 1" });
        Assert.Equal("invitation_invalid", again.AlertCode); // one-time
    }

    [SkippableFact]
    public async Task A_post_without_its_antiforgery_token_changes_nothing()
    {
        var (yard, staff) = await SignedInAsync(y => y.TrusteeLogin);
        var fields = new Dictionary<string, string> { ["building"] = "5栋", ["number"] = "101", ["amount"] = "180.00", ["paidAt"] = "2026-11-21", ["channel"] = "bank", ["externalRef"] = "CSRF-1" };
        var refused = await staff.PostAsync(yard.A("/payments/new"), fields);
        Assert.Equal(400, refused.Status);
        // The portal's page with a sentence, not the framework's bare 400 or an API problem.
        Assert.Equal("text/html", refused.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("form_invalid", refused.AlertCode);
        Assert.Contains("没有做任何更改", refused.Alert);
        var statement = await yard.Trustee.GetJsonAsync(yard.P($"/units/{yard.Units[0]}/statement"));
        Assert.Empty(statement["payments"]!.AsArray());
        Assert.Equal(18000, statement["balanceDue"]!.GetValue<long>());
        // And a token from another person's page does not fit this person.
        var other = PortalClient.For(App);
        var login = await other.GetAsync("/app/login");
        var (_, foreign) = PortalClient.FormOf(login, "/app/login");
        fields["__RequestVerificationToken"] = foreign["__RequestVerificationToken"];
        Assert.Equal(400, (await staff.PostAsync(yard.A("/payments/new"), fields)).Status);
        Assert.Empty((await yard.Trustee.GetJsonAsync(yard.P($"/units/{yard.Units[0]}/statement")))["payments"]!.AsArray());
    }

    [SkippableFact]
    public async Task A_form_posted_to_a_page_that_takes_none_is_405_not_a_page_rendered_empty()
    {
        var (yard, owner) = await SignedInAsync(y => y.OwnerLogins[0]);
        var unitPage = yard.A($"/units/{yard.Units[0]}");
        var page = await owner.GetAsync(unitPage);
        var token = page.Document.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        foreach (var path in new[] { unitPage, yard.A(), yard.A("/queries?handler=nope") })
        {
            var answer = await owner.PostAsync(path, new() { ["__RequestVerificationToken"] = token });
            Assert.Equal(405, answer.Status);
            Assert.Contains("GET", answer.Response.Content.Headers.Allow);
        }
    }

    [SkippableFact]
    public async Task An_owner_reads_their_unit_and_its_csv_but_never_another_unit_or_a_decision_form()
    {
        var (yard, owner) = await SignedInAsync(y => y.OwnerLogins[0]);
        var unit = await owner.GetAsync(yard.A($"/units/{yard.Units[0]}"));
        Assert.Equal(200, unit.Status);
        Assert.Contains("¥180.00", unit.Text); // November's bill: 100 m² × 1.80
        Assert.Contains("2026-11", unit.Text);
        var csv = await owner.Http.GetAsync(yard.A($"/units/{yard.Units[0]}?handler=csv"));
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var text = await csv.Content.ReadAsStringAsync();
        Assert.Contains("bill,2026-11,18000,0,open", text);
        Assert.Contains("balance_due,,18000", text);

        Assert.Equal(404, (await owner.GetAsync(yard.A($"/units/{yard.Units[1]}"))).Status);
        Assert.Equal(404, (await owner.GetAsync(yard.A($"/units/{yard.Units[1]}?handler=csv"))).Status);
        Assert.Equal(404, (await owner.GetAsync(yard.A("/units/999999"))).Status);
        // A route value that does not fit (not a number) is the portal's 404 page too, not an API problem.
        var notANumber = await owner.GetAsync(yard.A("/motions/abc"));
        Assert.Equal(404, notANumber.Status);
        Assert.Equal("text/html", notANumber.Response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("未找到", notANumber.Text);
        Assert.Equal(403, (await owner.GetAsync(yard.A("/spending"))).Status);
        Assert.Equal(403, (await owner.GetAsync(yard.A($"/spending/{yard.RequestId}"))).Status);
        Assert.Equal(403, (await owner.GetAsync(yard.A("/payments/new"))).Status);
        // A date that is not one is a sentence in the page's language; a start after today is a range, not an error.
        var badDate = await owner.GetAsync(yard.A($"/units/{yard.Units[0]}?from=2026-02-30"));
        Assert.Equal(400, badDate.Status);
        Assert.Equal("validation_failed", badDate.AlertCode);
        Assert.Equal("“从”：请填写一个有效日期（年-月-日）。", badDate.Alert);
        var future = await owner.GetAsync(yard.A($"/units/{yard.Units[0]}?from=2999-12-31"));
        Assert.Equal(200, future.Status);
        Assert.Null(future.AlertCode);
        var backwards = await owner.GetAsync(yard.A($"/units/{yard.Units[0]}?from=2026-11-02&to=2026-11-01"));
        Assert.Equal("“到”：不能早于开始日期。", backwards.Alert);
        // Posting a decision with a valid token of this owner's is refused as the API refuses it, and decides nothing.
        var motion = await owner.GetAsync(yard.A($"/motions/{yard.MotionId}"));
        var (_, fields) = PortalClient.FormOf(motion, yard.A($"/motions/{yard.MotionId}"));
        fields["decision"] = "approve";
        fields["comment"] = "同意";
        Assert.Equal(403, (await owner.PostAsync(yard.A($"/spending/{yard.RequestId}"), fields)).Status);
        Assert.Equal("pending", (await yard.Supervisor.GetJsonAsync(yard.P($"/spending-requests/{yard.RequestId}")))["status"]!.GetValue<string>());
        // Another community does not exist for this owner.
        var elsewhere = await App.CommunityAsync();
        Assert.Equal(404, (await owner.GetAsync($"/app/{elsewhere}")).Status);
    }

    [SkippableFact]
    public async Task The_vote_pages_tables_name_every_column_in_either_language()
    {
        var (yard, owner) = await SignedInAsync(y => y.OwnerLogins[0]);
        var path = yard.A($"/motions/{yard.MotionId}");
        async Task HeadingsAsync()
        {
            foreach (var (query, heading) in new[] { ("", "表决人"), ("?lang=en", "Voters"), ("?lang=zh-CN", "表决人") })
            {
                var page = await owner.GetAsync(path + query);
                Assert.Equal(200, page.Status);
                Assert.NotEmpty(page.Document.QuerySelectorAll("table"));
                Assert.All(page.Document.QuerySelectorAll("th"), th => Assert.False(string.IsNullOrWhiteSpace(th.TextContent), "an empty <th>"));
                Assert.Equal(heading, page.Document.QuerySelector("thead th")?.TextContent);
            }
        }
        await HeadingsAsync(); // open: participation
        App.Clock.Set(App.Clock.GetUtcNow().AddDays(3));
        await HeadingsAsync(); // closed: the result
    }

    [SkippableFact]
    public async Task An_owner_votes_keeps_the_receipt_once_for_a_double_submit_and_finds_it_in_the_result()
    {
        var (yard, owner) = await SignedInAsync(y => y.OwnerLogins[0]);
        var path = yard.A($"/motions/{yard.MotionId}");
        var page = await owner.GetAsync(path);
        Assert.Contains("超过参与表决的一半", page.Text); // the threshold in plain words
        var (action, fields) = PortalClient.FormOf(page, path);
        fields["choice"] = "yes";
        var first = await owner.PostAsync(action, fields);
        Assert.Equal(303, first.Status);
        var second = await owner.PostAsync(action, fields); // the same form sent twice
        Assert.Equal(303, second.Status);
        var shown = await owner.GetAsync(path);
        var receipt = shown.Document.QuerySelector("[data-receipt]")?.GetAttribute("data-receipt");
        Assert.False(string.IsNullOrEmpty(receipt));
        Assert.Equal("已收到您的选票。", shown.Notice);
        Assert.Null((await owner.GetAsync(path)).Document.QuerySelector("[data-receipt]")); // shown once, kept by the owner

        var motion = await yard.Admin.GetJsonAsync(yard.P($"/motions/{yard.MotionId}"));
        Assert.Equal(1, motion["result"]!["totals"]!["participating"]!["headcount"]!.GetValue<long>());
        App.Clock.Set(App.Clock.GetUtcNow().AddDays(3));
        var result = await yard.Admin.GetJsonAsync(yard.P($"/motions/{yard.MotionId}/result"));
        var receipts = result["receipts"]!.AsArray();
        Assert.Single(receipts); // one ballot, not two
        Assert.Equal(Ledger.Domain.Model.BallotReceipts.Hash(receipt!), receipts[0]!["receiptHash"]!.GetValue<string>());

        var check = await owner.SubmitAsync(path, new() { ["receipt"] = receipt! });
        Assert.Equal(200, check.Status);
        Assert.Equal("found", check.Document.QuerySelector("[data-check]")?.GetAttribute("data-check"));
        Assert.Contains("同意", check.Document.QuerySelector("[data-check]")!.TextContent);
        var wrong = await owner.SubmitAsync(path, new() { ["receipt"] = "made-up-receipt" });
        Assert.Equal("missing", wrong.Document.QuerySelector("[data-check]")?.GetAttribute("data-check"));
        // After the close a ballot is the API's 409 motion_not_open, as a sentence.
        var late = await owner.PostAsync(action, new(fields) { ["formId"] = "another-form-key-123" });
        Assert.Equal(409, late.Status);
        Assert.Equal("motion_not_open", late.AlertCode);
    }

    [SkippableFact]
    public async Task A_paper_ballots_scan_opens_for_the_supervisor_and_is_not_there_for_an_owner()
    {
        var (yard, owner) = await SignedInAsync(y => y.OwnerLogins[0]);
        byte[] form = [.. PortalYard.Png, 0x42]; // another file than the voucher: the signed ballot form
        using var upload = new MultipartFormDataContent { { new ByteArrayContent(form), "file", "ballot.png" } };
        var scan = (await (await yard.Admin.Http.PostAsync(yard.P("/attachments"), upload)).AssertStatus(201))["sha256"]!.GetValue<string>();
        await (await yard.Admin.PostAsync(yard.P($"/motions/{yard.MotionId}/paper-ballots"), new { unitId = yard.Units[2], choice = "no", scan })).AssertStatus(201);

        // The form shows how that household voted: an owner finds nothing there, as for a file that does not exist.
        Assert.Equal(404, (await owner.GetAsync(yard.A($"/attachments/{scan}"))).Status);
        Assert.Equal(200, (await owner.GetAsync(yard.A($"/attachments/{yard.VoucherSha}"))).Status);
        var supervisor = PortalClient.For(App);
        await supervisor.SignInAsync(yard.SupervisorLogin, PortalYard.Password);
        var file = await supervisor.Http.GetAsync(yard.A($"/attachments/{scan}"));
        Assert.Equal(System.Net.HttpStatusCode.OK, file.StatusCode);
        Assert.Equal(form, await file.Content.ReadAsByteArrayAsync());
    }

    [SkippableFact]
    public async Task A_supervisor_sees_the_request_with_its_budget_line_and_voucher_image_and_approves_once()
    {
        var (yard, supervisor) = await SignedInAsync(y => y.SupervisorLogin);
        var list = await supervisor.GetAsync(yard.A("/spending"));
        Assert.Equal(200, list.Status);
        Assert.NotNull(list.Document.QuerySelector($"a[href='{yard.A($"/spending/{yard.RequestId}")}']"));
        var path = yard.A($"/spending/{yard.RequestId}");
        var detail = await supervisor.GetAsync(path);
        Assert.Contains("¥1,500.00", detail.Text);
        Assert.Contains("¥30,000.00", detail.Text); // the line's budget
        Assert.Contains("¥28,500.00", detail.Text); // left after this request's reservation
        var img = detail.Document.QuerySelector("img.attachment")?.GetAttribute("src");
        Assert.Equal(yard.A($"/attachments/{yard.VoucherSha}"), img);
        var image = await supervisor.Http.GetAsync(img);
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        Assert.Equal(PortalYard.Png, await image.Content.ReadAsByteArrayAsync());

        var (action, fields) = PortalClient.FormOf(detail, path);
        fields["decision"] = "approve";
        fields["comment"] = "同意，凭证齐全";
        var approved = await supervisor.PostAsync(action, fields);
        Assert.Equal(303, approved.Status);
        Assert.Equal(303, (await supervisor.PostAsync(action, fields)).Status); // double submit: the first result again
        var after = await supervisor.GetAsync(path);
        Assert.Contains("同意，凭证齐全", after.Text);
        var request = await yard.Supervisor.GetJsonAsync(yard.P($"/spending-requests/{yard.RequestId}"));
        Assert.Equal("approved", request["status"]!.GetValue<string>());
        Assert.Single(request["decisions"]!.AsArray());
        // A fresh form from the same person: the API's rule, as a sentence.
        var stale = await supervisor.PostAsync(action, new(fields) { ["formId"] = "another-form-key-456" });
        Assert.Equal(409, stale.Status);
        Assert.NotNull(stale.Alert);
    }

    [SkippableFact]
    public async Task Whoever_holds_a_trustee_role_is_offered_no_decision_form_even_as_supervisor_or_committee()
    {
        var yard = await PortalYard.BuildAsync(App);
        var path = yard.A($"/spending/{yard.RequestId}");
        var root = await App.AdminAsync();
        foreach (var roles in new[] { new[] { "supervisor", "trustee" }, ["committee", "trustee_manager"] })
        {
            var login = $"both-{Guid.NewGuid():N}"[..20];
            var id = (await (await root.PostAsync("/api/v1/users", new { login, displayName = "兼任 " + login, password = PortalYard.Password })).AssertStatus(201))["id"]!.GetValue<long>();
            await (await root.PutAsync(yard.P($"/members/{id}"), new { roles })).AssertStatus(200);
            var both = PortalClient.For(App);
            await both.SignInAsync(login, PortalYard.Password);
            // The API refuses them (403 trustee_cannot_approve): the page offers no form they could only fail with.
            var page = await both.GetAsync(path);
            Assert.Equal(200, page.Status);
            Assert.Null(page.Document.QuerySelector("input[name=decision]"));
        }
        var supervisor = PortalClient.For(App);
        await supervisor.SignInAsync(yard.SupervisorLogin, PortalYard.Password);
        Assert.NotNull((await supervisor.GetAsync(path)).Document.QuerySelector("input[name=decision]"));
    }

    [SkippableFact]
    public async Task A_recorded_payments_notice_shows_its_amount_as_every_amount_is_shown()
    {
        var (yard, staff) = await SignedInAsync(y => y.TrusteeLogin);
        Dictionary<string, string> Payment(string amount, string reference) =>
            new() { ["building"] = "5栋", ["number"] = "101", ["amount"] = amount, ["paidAt"] = "2026-11-21", ["channel"] = "bank", ["externalRef"] = reference };
        var recorded = await staff.SubmitAsync(yard.A("/payments/new"), Payment("1,234.56", "BK-NOTICE-1"));
        Assert.Equal(303, recorded.Status);
        // PORTAL.md: everything shown is formatted ¥1,234.56 (the notice said "1234.56 元").
        Assert.StartsWith("已登记：¥1,234.56，账簿序号 ", (await staff.GetAsync(recorded.Location!)).Notice);
        await staff.GetAsync(yard.A("?lang=en"));
        recorded = await staff.SubmitAsync(yard.A("/payments/new"), Payment("0.5", "BK-NOTICE-2"));
        Assert.StartsWith("Recorded: ¥0.50, journal sequence ", (await staff.GetAsync(recorded.Location!)).Notice);
    }

    [SkippableFact]
    public async Task A_zero_amount_is_refused_with_a_sentence_that_says_why_in_either_language()
    {
        var (yard, staff) = await SignedInAsync(y => y.TrusteeLogin);
        var payment = new Dictionary<string, string> { ["building"] = "5栋", ["number"] = "101", ["amount"] = "0.00", ["paidAt"] = "2026-11-21", ["channel"] = "bank", ["externalRef"] = "ZERO-1" };
        var zero = await staff.SubmitAsync(yard.A("/payments/new"), payment);
        Assert.Equal((400, "validation_failed", "金额必须大于零。"), (zero.Status, zero.AlertCode, zero.Alert)); // was "填写的内容有误"
        await staff.GetAsync(yard.A("?lang=en"));
        var english = await staff.SubmitAsync(yard.A("/payments/new"), payment);
        Assert.Equal("The amount must be more than zero.", english.Alert); // was "'Amount' must be greater than '0'."

        var path = yard.A("/spending/new");
        var (action, fields) = PortalClient.FormOf(await staff.GetAsync(path), path);
        foreach (var (k, v) in new Dictionary<string, string> { ["payee"] = "零元公司", ["amount"] = "0", ["account"] = "6103", ["description"] = "零元申请" }) fields[k] = v;
        var filed = await staff.PostFilesAsync(action, fields);
        Assert.Equal((400, "The amount must be more than zero."), (filed.Status, filed.Alert));
        Assert.DoesNotContain((await yard.Trustee.GetJsonAsync(yard.P("/spending-requests")))["items"]!.AsArray(), r => r!["payee"]!.GetValue<string>() == "零元公司");
        Assert.Empty((await yard.Trustee.GetJsonAsync(yard.P($"/units/{yard.Units[0]}/statement")))["payments"]!.AsArray());
    }

    [SkippableFact]
    public async Task Staff_record_a_payment_in_yuan_found_by_building_and_number_and_a_second_submit_posts_nothing()
    {
        var (yard, staff) = await SignedInAsync(y => y.TrusteeLogin);
        var values = new Dictionary<string, string> { ["building"] = "5栋", ["number"] = "101", ["amount"] = "180.29", ["paidAt"] = "2026-11-21", ["channel"] = "wechat", ["externalRef"] = "WX-20261121-1" };
        var page = await staff.GetAsync(yard.A("/payments/new"));
        var (action, fields) = PortalClient.FormOf(page, yard.A("/payments/new"));
        foreach (var (k, v) in values) fields[k] = v;
        var first = await staff.PostAsync(action, fields);
        Assert.Equal(303, first.Status);
        var second = await staff.PostAsync(action, fields);
        Assert.Equal(303, second.Status);
        var statement = await yard.Trustee.GetJsonAsync(yard.P($"/units/{yard.Units[0]}/statement"));
        var payment = Assert.Single(statement["payments"]!.AsArray())!;
        Assert.Equal(18029, payment["amount"]!.GetValue<long>()); // 180.29 yuan is 18029 fen exactly
        Assert.Equal(0, statement["balanceDue"]!.GetValue<long>());
        Assert.Equal(29, statement["prepayment"]!.GetValue<long>());
        // The same reference through the API is the same payment, not a second one.
        var api = await yard.Trustee.PostAsync(yard.P("/payments"), new { unitId = yard.Units[0], amount = 18029L, paidAt = "2026-11-21", channel = "wechat", externalRef = "WX-20261121-1" });
        Assert.Equal("true", api.Headers.GetValues("Idempotency-Replayed").Single());
        var outcome = await staff.GetAsync(yard.A("/payments/new"));
        Assert.Contains("180.29", outcome.Notice);

        foreach (var (amount, code) in new[] { ("12.345", "validation_failed"), ("1e3", "validation_failed"), ("-5", "validation_failed"), ("0", "validation_failed") })
        {
            var bad = await staff.SubmitAsync(yard.A("/payments/new"), new(values) { ["amount"] = amount, ["externalRef"] = "BAD-" + amount });
            Assert.Equal(400, bad.Status);
            Assert.Equal(code, bad.AlertCode);
            // A sentence in the page's language naming the field, not the validator's English.
            Assert.Contains("金额", bad.Alert);
            Assert.DoesNotMatch("[A-Za-z]{3}", bad.Alert!);
        }
        // The same reference with another amount is about the reference: the sentence says so.
        var reused = await staff.SubmitAsync(yard.A("/payments/new"), new(values) { ["amount"] = "99.00" });
        Assert.Equal(409, reused.Status);
        Assert.Equal("idempotency_key_reused", reused.AlertCode);
        Assert.Equal("这个流水号已用于另一笔不同的缴费。", reused.Alert);
        var unknown = await staff.SubmitAsync(yard.A("/payments/new"), new(values) { ["number"] = "999", ["externalRef"] = "WX-X" });
        Assert.Equal("unknown_unit", unknown.AlertCode);
        var closed = await staff.SubmitAsync(yard.A("/payments/new"), new(values) { ["paidAt"] = "2026-08-01", ["externalRef"] = "WX-OLD" });
        Assert.NotNull(closed.Alert);
        Assert.Single((await yard.Trustee.GetJsonAsync(yard.P($"/units/{yard.Units[0]}/statement")))["payments"]!.AsArray());
    }

    [SkippableFact]
    public async Task An_owner_reads_a_budgets_execution_and_comments_once_while_it_is_out_for_comment()
    {
        var (yard, owner) = await SignedInAsync(y => y.OwnerLogins[0]);
        var adopted = await owner.GetAsync(yard.A($"/budgets/{yard.BudgetId}"));
        Assert.Equal(200, adopted.Status);
        Assert.Contains("¥30,000.00", adopted.Text);
        Assert.Null(adopted.Document.QuerySelector("textarea[name=text]")); // adopted: no longer out for comment

        var draft = (await (await yard.Trustee.PostAsync(yard.P("/budgets"), new { fiscalYear = 2027, lines = new[] { new { account = "6103", amount = 3_200_000L, note = "保洁" } } })).AssertStatus(201))["id"]!.GetValue<long>();
        await (await yard.Trustee.PostAsync(yard.P($"/budgets/{draft}/publish"), null)).AssertStatus(200);
        var path = yard.A($"/budgets/{draft}");
        var page = await owner.GetAsync(path);
        var (action, fields) = PortalClient.FormOf(page, path);
        fields["text"] = "保洁费比去年高，请说明原因。";
        Assert.Equal(303, (await owner.PostAsync(action, fields)).Status);
        Assert.Equal(303, (await owner.PostAsync(action, fields)).Status); // sent twice, kept once
        var shown = await owner.GetAsync(path);
        Assert.Contains("保洁费比去年高，请说明原因。", shown.Text);
        Assert.Single((await yard.Trustee.GetJsonAsync(yard.P($"/budgets/{draft}")))["comments"]!.AsArray());

        var empty = await owner.PostAsync(action, new(fields) { ["text"] = "", ["formId"] = "another-form-key-789" });
        Assert.Equal(400, empty.Status);
        Assert.Equal("validation_failed", empty.AlertCode);
        var closed = await owner.PostAsync(yard.A($"/budgets/{yard.BudgetId}"), new(fields) { ["formId"] = "another-form-key-790" });
        Assert.Equal(409, closed.Status);
        Assert.Equal("budget_not_published", closed.AlertCode);
        var supervisor = PortalClient.For(App);
        await supervisor.SignInAsync(yard.SupervisorLogin, PortalYard.Password);
        var seen = await supervisor.GetAsync(path);
        Assert.Null(seen.Document.QuerySelector("textarea[name=text]"));
        var (_, supervisorFields) = PortalClient.FormOf(seen, path, 0, "form.inline");
        supervisorFields["text"] = "监察人意见";
        Assert.Equal(403, (await supervisor.PostAsync(path, supervisorFields)).Status);
        Assert.Single((await yard.Trustee.GetJsonAsync(yard.P($"/budgets/{draft}")))["comments"]!.AsArray());
    }

    [SkippableFact]
    public async Task A_platform_admin_signed_in_at_the_portal_opens_the_jobs_dashboard_an_owner_cannot_and_sign_in_never_redirects_off_site()
    {
        var client = PortalClient.For(App);
        var signIn = await client.SubmitAsync("/app/login", new() { ["login"] = LedgerApp.AdminLogin, ["password"] = LedgerApp.AdminPassword, ["returnUrl"] = "//evil.example/x" });
        Assert.Equal(303, signIn.Status);
        Assert.Equal("/app", signIn.Location);
        var home = await client.GetAsync("/app");
        Assert.Equal(200, home.Status);
        Assert.NotNull(home.Document.QuerySelector("a[href='/jobs']")); // the jobs dashboard reads this same sign-in
        Assert.Equal(200, (int)(await client.Http.GetAsync("/jobs")).StatusCode);
        Assert.Equal(200, (int)(await client.Http.GetAsync("/jobs/recurring")).StatusCode);

        // Signed out, the same cookie opens nothing; an owner signed in at the portal is refused.
        Assert.Equal(401, (int)(await PortalClient.For(App).Http.GetAsync("/jobs")).StatusCode);
        var (yard, owner) = await SignedInAsync(y => y.OwnerLogins[0]);
        Assert.Equal(403, (int)(await owner.Http.GetAsync("/jobs")).StatusCode);
    }

    [SkippableFact]
    public async Task An_owner_asks_a_query_staff_answer_it_once_in_public_and_an_owner_cannot_answer()
    {
        var (yard, owner) = await SignedInAsync(y => y.OwnerLogins[0]);
        var path = yard.A("/queries");
        var unknown = await owner.SubmitAsync(path, new() { ["subject"] = "spendingRequest", ["subjectId"] = "99999", ["question"] = "这笔支出是什么？" });
        Assert.Equal(422, unknown.Status);
        Assert.Equal("unknown_subject", unknown.AlertCode);
        var page = await owner.GetAsync(path);
        var (action, fields) = PortalClient.FormOf(page, path);
        fields["subject"] = "spendingRequest";
        fields["subjectId"] = (await yard.DecidedRequestAsync()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        fields["question"] = "保洁费为什么比上月高？";
        Assert.Equal(303, (await owner.PostAsync(action, fields)).Status);
        Assert.Equal(303, (await owner.PostAsync(action, fields)).Status); // sent twice, asked once
        // Text the API refuses is refused in the form too, as a sentence, before anything is stored (once stored and published).
        var bidi = await owner.PostAsync(action, new(fields) { ["formId"] = "another-form-key-bidi", ["question"] = "\u202Eevil" });
        Assert.Equal(400, bidi.Status);
        Assert.Equal("validation_failed", bidi.AlertCode);
        Assert.Contains("问题", bidi.Alert);
        // The same form sent again with its text edited is refused with a sentence about the form, not about a payment.
        var edited = await owner.PostAsync(action, new(fields) { ["question"] = "保洁费为什么比上月高这么多？" });
        Assert.Equal(409, edited.Status);
        Assert.Equal("idempotency_key_reused", edited.AlertCode);
        Assert.Contains("表单已经提交过", edited.Alert);
        var listed = (await yard.Trustee.GetJsonAsync(yard.P("/queries")))["items"]!.AsArray();
        var query = Assert.Single(listed)!;
        var id = query["id"]!.GetValue<long>();

        var ownerPage = await owner.GetAsync(path);
        Assert.Contains("保洁费为什么比上月高？", ownerPage.Text);
        Assert.Null(ownerPage.Document.QuerySelector("textarea[name=answer]"));
        var (_, ownerFields) = PortalClient.FormOf(ownerPage, path);
        Assert.Equal(403, (await owner.PostAsync($"{path}?handler=Answer", new(ownerFields) { ["queryId"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture), ["answer"] = "自问自答" })).Status);

        var staff = PortalClient.For(App);
        await staff.SignInAsync(yard.TrusteeLogin, PortalYard.Password);
        var staffPage = await staff.GetAsync(path);
        var (answerAction, answerFields) = PortalClient.FormOf(staffPage, path, 0, "main form[action*=Answer]");
        answerFields["answer"] = "十一月增加了外墙清洗。";
        Assert.Equal(303, (await staff.PostAsync(answerAction, answerFields)).Status);
        var again = await staff.PostAsync(answerAction, new(answerFields) { ["formId"] = "another-form-key-999", ["answer"] = "改口" });
        Assert.Equal(409, again.Status);
        Assert.Equal("already_answered", again.AlertCode);
        var answered = await owner.GetAsync(path);
        Assert.Contains("十一月增加了外墙清洗。", answered.Text);
        Assert.DoesNotContain("改口", answered.Text);
    }

    [SkippableFact]
    public async Task English_is_chosen_with_lang_en_and_sticks()
    {
        var (yard, owner) = await SignedInAsync(y => y.OwnerLogins[0]);
        var en = await owner.GetAsync(yard.A("?lang=en"));
        Assert.Equal("en", en.Document.DocumentElement.GetAttribute("lang"));
        var next = await owner.GetAsync(yard.A($"/units/{yard.Units[0]}"));
        Assert.Equal("en", next.Document.DocumentElement.GetAttribute("lang"));
        Assert.Contains("Balance due", next.Text);
        var zh = await owner.GetAsync(yard.A("?lang=zh"));
        Assert.Equal("zh-CN", zh.Document.DocumentElement.GetAttribute("lang"));
    }

    [SkippableFact]
    public async Task The_home_says_an_announced_vote_has_not_started_instead_of_listing_it_as_closing()
    {
        var (yard, owner) = await SignedInAsync(y => y.OwnerLogins[0]);
        var now = App.Clock.GetUtcNow();
        var announced = (await (await yard.Admin.PostAsync(yard.P("/motions"), new { kind = "other", title = "增设快递柜", body = "请表决。", opensAt = now.AddDays(16), closesAt = now.AddDays(23) })).AssertStatus(201))["id"]!.GetValue<long>();
        var home = await owner.GetAsync(yard.A());
        var line = home.Document.QuerySelector($"a[href='{yard.A($"/motions/{announced}")}']")!.ParentElement!.TextContent;
        Assert.Contains("尚未开始 · 开始 ", line);
        Assert.DoesNotContain("截止", line);
        var open = home.Document.QuerySelector($"a[href='{yard.A($"/motions/{yard.MotionId}")}']")!.ParentElement!.TextContent;
        Assert.Contains("截止 ", open); // the vote already open still says when it closes
    }

    [SkippableFact]
    public async Task The_links_to_the_public_page_keep_the_readers_language()
    {
        var yard = await PortalYard.BuildAsync(App);
        await (await yard.Trustee.PostAsync(yard.P("/months/2026-09/close"), null)).AssertStatus(200);
        await (await yard.Admin.PostAsync(yard.P("/statements/2026-09/publish"), null)).AssertStatus(200);
        var owner = PortalClient.For(App);
        await owner.SignInAsync(yard.OwnerLogins[0], PortalYard.Password);
        string? PublicLink(PortalClient.Answer page) => page.Document.QuerySelector("main a[href^='/p/']")?.GetAttribute("href");
        Assert.Equal($"/p/{yard.Slug}", PublicLink(await owner.GetAsync(yard.A())));
        // The public pages read ?lang=en, not the portal's cookie: an English reader went on to the Chinese page.
        Assert.Equal($"/p/{yard.Slug}?lang=en", PublicLink(await owner.GetAsync(yard.A("?lang=en"))));
        var supervisor = PortalClient.For(App);
        await supervisor.SignInAsync(yard.SupervisorLogin, PortalYard.Password);
        var statements = await supervisor.GetAsync(yard.A("/statements?lang=en"));
        Assert.Equal($"/p/{yard.Slug}?lang=en", statements.Document.QuerySelector("#s-2026-09 a[href^='/p/']")?.GetAttribute("href"));
    }

    [SkippableFact]
    public async Task Statements_are_listed_latest_period_first_and_a_month_before_the_quarter_it_ends()
    {
        var yard = await PortalYard.BuildAsync(App);
        await (await yard.Trustee.PostAsync(yard.P("/months/2026-09/close"), null)).AssertStatus(200);
        await (await yard.Trustee.PostAsync(yard.P("/months/2026-10/close"), null)).AssertStatus(200);
        var drafts = (await yard.Supervisor.GetJsonAsync(yard.P("/statements")))["items"]!.AsArray().Select(s => s!["period"]!.GetValue<string>()).ToHashSet();
        Assert.Contains("2026-Q3", drafts); // September ends the third quarter
        var supervisor = PortalClient.For(App);
        await supervisor.SignInAsync(yard.SupervisorLogin, PortalYard.Password);
        var page = await supervisor.GetAsync(yard.A("/statements"));
        var order = page.Document.QuerySelectorAll("section.statement").Select(s => s.Id![2..]).ToList();
        // Compared as text, "2026-Q3" sorted after "2026-10" and came first.
        Assert.Equal(["2026-10", "2026-09", "2026-Q3"], order.Where(drafts.Contains));
    }

    [SkippableFact]
    public async Task A_lang_in_the_address_wins_over_the_remembered_english_and_replaces_it()
    {
        var (yard, owner) = await SignedInAsync(y => y.OwnerLogins[0]);
        Assert.Equal("en", (await owner.GetAsync(yard.A("?lang=en"))).Document.DocumentElement.GetAttribute("lang"));
        var back = await owner.GetAsync(yard.A("?lang=zh-CN"));
        Assert.Equal("zh-CN", back.Document.DocumentElement.GetAttribute("lang"));
        Assert.Contains(back.Response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("ledger_lang=zh;", StringComparison.Ordinal));
        Assert.Equal("zh-CN", (await owner.GetAsync(yard.A($"/units/{yard.Units[0]}"))).Document.DocumentElement.GetAttribute("lang")); // and it sticks
        Assert.Equal("en", (await owner.GetAsync(yard.A("?lang=EN-gb"))).Document.DocumentElement.GetAttribute("lang"));
        Assert.Equal("zh-CN", (await owner.GetAsync(yard.A("?lang=zh-Hans"))).Document.DocumentElement.GetAttribute("lang"));
        Assert.Equal("zh-CN", (await owner.GetAsync(yard.A("?lang=fr"))).Document.DocumentElement.GetAttribute("lang")); // no choice: the remembered one
    }

    [SkippableFact]
    public async Task The_language_link_keeps_the_pages_date_range_and_the_sign_in_return_address()
    {
        var yard = await PortalYard.BuildAsync(App);
        var client = PortalClient.For(App);
        var unit = yard.A($"/units/{yard.Units[0]}");
        var range = unit + "?from=2026-11-01&to=2026-11-20";

        // Signed out, a link to a unit's bills leads to sign-in; choosing English there keeps where the reader was going.
        var login = await client.GetAsync("/app/login?returnUrl=" + Uri.EscapeDataString(range));
        var toEnglish = login.Document.QuerySelector("header a[hreflang]")!.GetAttribute("href")!;
        var english = await client.GetAsync(toEnglish);
        Assert.Equal("en", english.Document.DocumentElement.GetAttribute("lang"));
        Assert.Equal(range, english.Document.QuerySelector("input[name=returnUrl]")?.GetAttribute("value"));
        var signIn = await client.SubmitAsync(toEnglish, new() { ["login"] = yard.OwnerLogins[0], ["password"] = PortalYard.Password });
        Assert.Equal(303, signIn.Status);
        Assert.Equal(range, signIn.Location);

        // On the unit's page the link keeps the range (the old language replaced, a form's handler dropped).
        var page = await client.GetAsync(range + "&lang=en");
        var toChinese = page.Document.QuerySelector("header a[hreflang]")!.GetAttribute("href")!;
        Assert.Equal(range + "&lang=zh", toChinese);
        var chinese = await client.GetAsync(toChinese);
        Assert.Equal("zh-CN", chinese.Document.DocumentElement.GetAttribute("lang"));
        Assert.Equal("2026-11-01", chinese.Document.QuerySelector("input#from")?.GetAttribute("value"));
        Assert.Equal("2026-11-20", chinese.Document.QuerySelector("input#to")?.GetAttribute("value"));
        var refusedCsv = await client.GetAsync(unit + "?handler=csv&from=2026-11-31");
        Assert.Equal(400, refusedCsv.Status);
        Assert.Equal(unit + "?from=2026-11-31&lang=en", refusedCsv.Document.QuerySelector("header a[hreflang]")?.GetAttribute("href"));
    }

    [SkippableFact]
    public async Task A_return_address_with_chinese_in_it_signs_in_to_a_location_in_ascii()
    {
        var yard = await PortalYard.BuildAsync(App);
        var client = PortalClient.For(App);
        var unit = yard.A($"/units/{yard.Units[0]}");
        // A header takes ASCII only: Kestrel answered the raw address with a 500 after the sign-in had been made.
        var signIn = await client.SubmitAsync("/app/login?returnUrl=" + Uri.EscapeDataString(unit + "?note=十一月\u3000账单"),
            new() { ["login"] = yard.OwnerLogins[0], ["password"] = PortalYard.Password });
        Assert.Equal(303, signIn.Status);
        Assert.Equal(unit + "?note=" + Uri.EscapeDataString("十一月\u3000账单"), signIn.Location);
        Assert.All(signIn.Location!, ch => Assert.InRange(ch, '!', '~'));
        Assert.Equal(200, (await client.GetAsync(signIn.Location!)).Status);
    }

    private static void AssertPortalPage(PortalClient.Answer answer, int status, string lang, string code)
    {
        Assert.Equal(status, answer.Status);
        Assert.Equal("text/html", answer.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(lang, answer.Document.DocumentElement.GetAttribute("lang"));
        Assert.Equal(code, answer.AlertCode);
        Assert.Equal("no-store", answer.Response.Headers.CacheControl?.ToString());
        Assert.Contains("default-src 'none'", string.Join(";", answer.Response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("DENY", answer.Response.Headers.GetValues("X-Frame-Options").Single());
    }

    [SkippableFact]
    public async Task An_address_with_control_characters_and_the_login_throttle_answer_as_portal_pages_in_the_readers_language()
    {
        var client = PortalClient.For(App);
        var bidi = await client.GetAsync("/app/login?returnUrl=%E2%80%AE%2Fapp");
        AssertPortalPage(bidi, 400, "zh-CN", "validation_failed");
        Assert.Equal("网址中含有控制字符或文字方向控制符，页面没有打开。请检查链接。", bidi.Alert);
        var control = await client.GetAsync("/app/login?lang=en&x=%01");
        AssertPortalPage(control, 400, "en", "validation_failed");
        Assert.Contains("control or text-direction characters", control.Alert);

        // The address limit on sign-in (the API's own rate limiter) answers the portal with its page, the API with problem+json.
        using var throttled = new LedgerApp(App.Engine, new Dictionary<string, string?> { ["Ledger:Auth:LoginPerAddressPerMinute"] = "2" }, App.ConnectionString);
        var person = PortalClient.For(throttled);
        Assert.Equal(200, (await person.GetAsync("/app/login")).Status);
        Assert.Equal(200, (await person.GetAsync("/app/login")).Status);
        var limited = await person.GetAsync("/app/login");
        AssertPortalPage(limited, 429, "zh-CN", "too_many_requests");
        Assert.Equal("尝试过于频繁，请一分钟后再试。", limited.Alert);
        Assert.Equal("60", limited.Response.Headers.GetValues("Retry-After").Single());
        AssertPortalPage(await person.GetAsync("/app/login?lang=en"), 429, "en", "too_many_requests");
        await (await throttled.Anonymous().PostAsync("/api/v1/auth/login", new { login = "nobody", password = "nothing at all" })).AssertProblem(429, "too_many_requests");
    }
}

public sealed class SqlitePortalTests(SqliteFixture fixture) : PortalTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresPortalTests(PostgresFixture fixture) : PortalTests(fixture), IClassFixture<PostgresFixture>;
