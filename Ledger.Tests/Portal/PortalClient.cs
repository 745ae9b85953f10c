using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Ledger.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Ledger.Tests.Portal;

/// <summary>A browser-like client for the portal: keeps cookies, follows no redirects, fills forms from the page it read.</summary>
public sealed class PortalClient(HttpClient http)
{
    public HttpClient Http { get; } = http;

    public static PortalClient For(LedgerApp app) =>
        new(app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true }));

    public sealed record Answer(HttpResponseMessage Response, IHtmlDocument Document, string Text)
    {
        public int Status => (int)Response.StatusCode;
        public string? Location => Response.Headers.Location?.OriginalString;
        public string? Alert => Document.QuerySelector("[role=alert]")?.TextContent.Trim();
        public string? AlertCode => Document.QuerySelector("[role=alert]")?.GetAttribute("data-code");
        public string? Notice => Document.QuerySelector("[role=status]")?.TextContent.Trim();
    }

    public async Task<Answer> GetAsync(string path)
    {
        var response = await Http.GetAsync(path);
        return await ReadAsync(response);
    }

    private static async Task<Answer> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return new Answer(response, new HtmlParser().ParseDocument(text), text);
    }

    /// <summary>The form's hidden fields (antiforgery token, form key) and its action, as a browser would send them.</summary>
    public static (string Action, Dictionary<string, string> Fields) FormOf(Answer page, string path, int index = 0, string selector = "main form[method=post]:not(.inline)")
    {
        var forms = page.Document.QuerySelectorAll(selector).OfType<IHtmlFormElement>().ToList();
        Assert.True(forms.Count > index, $"No form {index} on {path}: {page.Text[..Math.Min(page.Text.Length, 2000)]}");
        var form = forms[index];
        var fields = form.QuerySelectorAll("input[type=hidden]").OfType<IHtmlInputElement>().ToDictionary(i => i.Name!, i => i.Value);
        var action = form.GetAttribute("action");
        return (string.IsNullOrEmpty(action) ? path : action, fields);
    }

    /// <summary>Opens <paramref name="path"/>, fills its form with <paramref name="values"/> and posts it.</summary>
    public async Task<Answer> SubmitAsync(string path, Dictionary<string, string> values, int index = 0, string selector = "main form[method=post]:not(.inline)")
    {
        var page = await GetAsync(path);
        Assert.True(page.Status == 200, $"GET {path}: {page.Status}");
        var (action, fields) = FormOf(page, path, index, selector);
        foreach (var (k, v) in values) fields[k] = v;
        return await PostAsync(action, fields);
    }

    public async Task<Answer> PostAsync(string action, Dictionary<string, string> fields) =>
        await ReadAsync(await Http.PostAsync(action, new FormUrlEncodedContent(fields)));

    /// <summary>Posts a form with files (multipart/form-data), as a browser sends a form with a file input.</summary>
    public async Task<Answer> PostFilesAsync(string action, Dictionary<string, string> fields, params (string Name, string FileName, byte[] Content)[] files)
    {
        using var content = new MultipartFormDataContent();
        foreach (var (k, v) in fields) content.Add(new StringContent(v), k);
        foreach (var (name, fileName, bytes) in files) content.Add(new ByteArrayContent(bytes), name, fileName);
        return await ReadAsync(await Http.PostAsync(action, content));
    }

    public async Task<Answer> SignInAsync(string login, string password)
    {
        var answer = await SubmitAsync("/app/login", new() { ["login"] = login, ["password"] = password });
        Assert.True(answer.Status == 303, $"Sign-in of {login}: {answer.Status} {answer.Alert}");
        return answer;
    }
}
