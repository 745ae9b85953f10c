using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using FluentValidation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace Ledger.Api.Infrastructure;

/// <summary>
/// Makes <c>/openapi/v1.json</c> a complete, true contract that generated clients can call, from the
/// route table's own metadata rather than from each handler: the <c>{c}</c> parameter of community
/// routes, the bearer scheme wherever a route needs sign-in, an operation id and summary for every
/// operation, described tags, and every error the pipeline sends (problem+json with its stable
/// <c>code</c>). Optional response fields (the serializer leaves out nulls) are optional, not nullable.
/// Routes added later get all of this without touching this file; a summary written with
/// <c>.WithSummary()</c> on the route wins over the table here.
/// </summary>
public static partial class LedgerOpenApi
{
    public const string BearerScheme = "bearer";
    private const string ProblemSchema = "Problem";

    public static IServiceCollection AddLedgerOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.AddSchemaTransformer((schema, context, _) =>
            {
                OmittedNullsAreOptional(schema, context);
                RequiredByValidator(schema, context);
                return Task.CompletedTask;
            });
            o.AddOperationTransformer((operation, context, _) => { Describe(operation, context); return Task.CompletedTask; });
            o.AddDocumentTransformer((document, _, _) => { Describe(document); return Task.CompletedTask; });
        });

    // ------------------------------------------------------------------ document

    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Identity"] = "Sign-in with opaque bearer tokens, activation of owners' accounts, users and their roles per community.",
        ["Communities"] = "Communities (tenants): each has its own funds, chart of accounts, books and public pages.",
        ["Register"] = "Trust terms, units (exclusive parts with their area and use) and owners, with invitations for owners' accounts.",
        ["Ledger"] = "The double-entry journal: accounts, entries and reversals, trial balance, integrity check, month close and the hledger export.",
        ["Fees"] = "Fee schedule, monthly billing, payments, public revenue, unit statements, arrears and reminders.",
        ["Budgets"] = "Annual budgets: drafts, publication for comment, adoption by vote, and execution per line.",
        ["Motions"] = "Owners' votes under Civil Code Art. 278: motions, ballots with receipts, and results.",
        ["Spending"] = "Two-phase spending: attachments, requests, approvals, payment, remuneration accrual, owners' queries and the audit trail.",
        ["Statements"] = "Periodic statements: drafts, supervisor's remarks, publication and corrections.",
        ["Operations"] = "Operating the service: job runs.",
        ["Public"] = "What anyone may read without signing in: published statements, the verification feed, vote results.",
    };

    private static void Describe(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Trust-model property finance ledger API",
            Version = "v1",
            Description = "The books of a trust-model residential community's common fund, served over HTTP. Money is an integer "
                + "number of fen. Errors are application/problem+json (RFC 9457) with a stable snake_case `code`. Writes that may be "
                + "retried take an `Idempotency-Key` header.",
            License = new OpenApiLicense { Name = "Proprietary", Url = new Uri("https://ledger.example/licence") },
        };
        // Relative to wherever the document was fetched from (no host baked in from the request).
        document.Servers = [new OpenApiServer { Url = "/", Description = "This service" }];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An opaque token from POST /api/v1/auth/login, sent as `Authorization: Bearer <token>`.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[ProblemSchema] = Problem();
        NullableReferencesAreOptional(document.Components.Schemas);
        // The framework's own validation problem type is replaced by Problem (which has `code` and `errors`).
        document.Components.Schemas.Remove("HttpValidationProblemDetails");
        document.Components.Schemas.Remove("ProblemDetails"); // likewise, for routes that declare .ProducesProblem()

        document.Tags ??= new HashSet<OpenApiTag>();
        var used = document.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? [])
            .SelectMany(o => o.Tags ?? new HashSet<OpenApiTagReference>()).Select(t => t.Name).OfType<string>().ToHashSet();
        foreach (var name in used.Order(StringComparer.Ordinal))
            if (!document.Tags.Any(t => t.Name == name))
                document.Tags.Add(new OpenApiTag { Name = name, Description = TagDescriptions.GetValueOrDefault(name, $"{name} operations.") });
        foreach (var tag in document.Tags)
            tag.Description ??= TagDescriptions.GetValueOrDefault(tag.Name ?? "", $"{tag.Name} operations.");
    }

    private static OpenApiSchema Problem() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "An error (RFC 9457 problem details) with a stable snake_case `code`.",
        Required = new HashSet<string> { "code", "status", "title" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A URI naming the problem, ending with its code." },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong, for people." },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["code"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String, Pattern = "^[a-z0-9_]+$",
                Description = "Stable, for programs: validation_failed, malformed_request, unauthorized, forbidden, not_found, "
                    + "idempotency_key_reused, a rule's code such as entry_unbalanced, ...",
            },
            ["errors"] = new OpenApiSchema
            {
                Description = "validation_failed: messages per field; import_invalid: the rows that failed.",
                OneOf =
                [
                    new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } } },
                    new OpenApiSchema
                    {
                        Type = JsonSchemaType.Array,
                        Items = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Properties = new Dictionary<string, IOpenApiSchema>
                            {
                                ["row"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                                ["field"] = new OpenApiSchema { Type = JsonSchemaType.String },
                                ["reason"] = new OpenApiSchema { Type = JsonSchemaType.String },
                            },
                        },
                    },
                ],
            },
        },
    };

    // ------------------------------------------------------------------ operations

    private static readonly Dictionary<int, string> ErrorMeanings = new()
    {
        [400] = "The request is malformed or fails validation (`malformed_request`, `validation_failed`).",
        [401] = "No valid bearer token (`unauthorized`).",
        [403] = "The caller lacks the role this needs (`forbidden`, or a rule such as `self_approval`).",
        [404] = "Unknown, or not visible to the caller (`not_found`): another community's data is never revealed.",
        [409] = "A state conflict (`idempotency_key_reused`, or the route's own, such as `already_reversed`).",
        [413] = "The body is too large (`payload_too_large`).",
        [415] = "The body's type is not accepted here (`unsupported_media_type`).",
        [422] = "A business rule refused it; `code` says which.",
        [429] = "Too many requests (`too_many_requests`); retry after the Retry-After header.",
    };

    private static void Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var api = context.Description;
        var metadata = api.ActionDescriptor.EndpointMetadata;
        var method = (api.HttpMethod ?? "GET").ToUpperInvariant();
        // As the document shows it: route constraints dropped ({id:long} → {id}), no trailing slash.
        var path = "/" + PathParameter().Replace(api.RelativePath ?? "", "{$1}").Trim('/');
        var isWrite = method is "POST" or "PUT" or "PATCH" or "DELETE";

        operation.OperationId ??= OperationId(method, path);
        operation.Summary ??= Summaries.GetValueOrDefault($"{method} {path}") ?? DefaultSummary(method, path);

        // Path parameters the handler does not bind (the group's {c}) are still part of the path.
        operation.Parameters ??= [];
        foreach (Match m in PathParameter().Matches(path))
        {
            var name = m.Groups[1].Value;
            if (operation.Parameters.Any(p => p.Name == name && p.In == ParameterLocation.Path)) continue;
            operation.Parameters.Insert(0, name == "c"
                ? new OpenApiParameter
                {
                    Name = "c", In = ParameterLocation.Path, Required = true, Description = "The community's slug.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[a-z0-9-]{3,40}$" },
                }
                : new OpenApiParameter { Name = name, In = ParameterLocation.Path, Required = true, Schema = new OpenApiSchema { Type = JsonSchemaType.String } });
        }

        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var signedIn = !anonymous && metadata.OfType<IAuthorizeData>().Any();
        var roles = metadata.OfType<AllowedRoles>().LastOrDefault()?.Roles;
        var communityRoute = path.StartsWith("/api/v1/communities/{c}", StringComparison.Ordinal);

        if (signedIn)
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }];
            if (roles is { Length: > 0 })
            {
                var who = $"Roles: {string.Join(", ", roles)}.";
                operation.Description = operation.Description is null ? who : $"{operation.Description}\n\n{who}";
            }
        }
        else operation.Security = [];

        if (isWrite && communityRoute && signedIn && metadata.OfType<NaturalKey>().LastOrDefault() is { } natural)
        {
            var keyed = $"Idempotent by `{natural.Field}`: the same `{natural.Field}` and request return the first result (with `Idempotency-Replayed: true`); the same `{natural.Field}` with a different request is 409 `idempotency_key_reused`. An `Idempotency-Key` header is ignored.";
            operation.Description = operation.Description is null ? keyed : $"{operation.Description}\n\n{keyed}";
        }
        else if (isWrite && communityRoute && signedIn)
        {
            if (!operation.Parameters.Any(p => p.Name == Writes.KeyHeader))
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = Writes.KeyHeader, In = ParameterLocation.Header, Required = false,
                    Description = "Makes a retry safe: the same key and request return the first result (with `Idempotency-Replayed: true`); the same key with a different request is 409 `idempotency_key_reused`.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 100, Pattern = "^[!-~]+$" },
                });
        }

        var file = metadata.OfType<FileBody>().LastOrDefault();
        if (file is not null) operation.RequestBody ??= FileRequestBody(file);

        operation.Responses ??= new OpenApiResponses();
        var errors = new SortedSet<int>();
        if (operation.RequestBody is not null || operation.Parameters.Any(p => p.In is ParameterLocation.Query or ParameterLocation.Path)) errors.Add(400);
        if (operation.RequestBody is not null) errors.Add(413);
        // A body of another type than the route reads is 415 (the JSON routes, CSV import, multipart uploads); a file read raw is sniffed.
        if (operation.RequestBody is not null && file is not { RawTypes.Length: > 0 }) errors.Add(415);
        if (signedIn) errors.Add(401);
        // Signed-in routes without community roles check theirs in the handler (platform admin, community admin).
        if (roles is not null || (signedIn && path is not ("/api/v1/me" or "/api/v1/auth/logout"))) errors.Add(403);
        if (communityRoute || path.Contains('{')) errors.Add(404);
        if (isWrite && (communityRoute || path == "/api/v1/communities" || path == "/api/v1/users")) { errors.Add(409); errors.Add(422); }
        if (metadata.OfType<EnableRateLimitingAttribute>().Any()) errors.Add(429);
        // Errors a route declares itself (.ProducesProblem(409) on a read that answers "not yet") are documented the same way.
        foreach (var key in operation.Responses.Keys.ToList())
            if (int.TryParse(key, out var declared) && ErrorMeanings.ContainsKey(declared)) errors.Add(declared);
        if (path.StartsWith("/api/v1/auth/", StringComparison.Ordinal) && isWrite) errors.Add(401);
        var publicPage = !path.StartsWith("/api/", StringComparison.Ordinal);
        if (publicPage && !operation.Parameters.Any(p => p.Name == "limit"))
        {
            // Public pages answer an unknown community or period as a page; downloads (JSON, CSV) as the API does,
            // problem+json with its code (OpenData, PublicEndpoints.Serve).
            errors.Clear();
            var success = operation.Responses.Where(r => r.Key.StartsWith('2')).SelectMany(r => r.Value.Content?.Keys ?? []).Distinct().ToList();
            if (success.Contains("text/html"))
                operation.Responses["404"] = new OpenApiResponse
                {
                    Description = "No such community, statement or motion: a page that says so.",
                    Content = new Dictionary<string, OpenApiMediaType> { ["text/html"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } },
                };
            else errors.Add(404);
        }
        foreach (var status in errors)
        {
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            // Every error carries the Problem schema, whatever the framework inferred for it.
            operation.Responses[key] = new OpenApiResponse
            {
                Description = ErrorMeanings[status],
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, context.Document) },
                },
            };
        }
        foreach (var (key, response) in operation.Responses.ToList())
            if (response is OpenApiResponse r && (string.IsNullOrEmpty(r.Description) || r.Description is "OK" or "Created" or "No Content" or "Bad Request"))
                r.Description = key switch { "200" => "Success.", "201" => "Created.", "204" => "Done; no content.", _ => r.Description };
    }

    /// <summary>A file the handler reads itself: the multipart field, or the raw body as one of its types.</summary>
    private static OpenApiRequestBody FileRequestBody(FileBody file)
    {
        static OpenApiSchema Binary() => new() { Type = JsonSchemaType.String, Format = "binary" };
        var content = file.RawTypes.ToDictionary(type => type, _ => new OpenApiMediaType { Schema = Binary() });
        content["multipart/form-data"] = new OpenApiMediaType
        {
            Schema = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { file.Field },
                Properties = new Dictionary<string, IOpenApiSchema> { [file.Field] = Binary() },
            },
        };
        return new OpenApiRequestBody { Required = true, Content = content };
    }

    internal static string OperationId(string method, string path)
    {
        // GET /api/v1/communities/{c}/entries/{seq}/reversal → postEntriesBySeqReversal; public pages start with "public".
        var segments = path.Trim('/').Split('/').ToList();
        if (segments is ["api", "v1", ..]) segments.RemoveRange(0, 2);
        if (segments is ["communities", "{c}", ..]) { segments.RemoveRange(0, 2); if (segments.Count == 0) segments.Add("community"); }
        if (segments is ["p", "{c}", ..]) { segments.RemoveRange(0, 2); segments.Insert(0, "public"); }
        var name = new System.Text.StringBuilder(method.ToLowerInvariant());
        foreach (var segment in segments)
        {
            var s = segment;
            if (s.StartsWith('{'))
            {
                var close = s.IndexOf('}');
                name.Append("By").Append(Pascal(s[1..close]));
                s = s[(close + 1)..];
                if (s.Length == 0) continue;
            }
            name.Append(Pascal(s));
        }
        return name.ToString();
    }

    private static string Pascal(string text) =>
        string.Concat(Regex.Split(text, "[^A-Za-z0-9]+").Where(w => w.Length > 0).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    private static string DefaultSummary(string method, string path)
    {
        var what = string.Join(' ', path.Split('/').Where(s => s.Length > 0 && s is not "api" and not "v1" && !s.StartsWith('{')).Select(s => s.Replace('-', ' ')));
        return $"{method switch { "GET" => "Read", "POST" => "Post to", "PUT" => "Replace", "DELETE" => "Delete", _ => method }} {what}".Trim();
    }

    [GeneratedRegex(@"\{([A-Za-z0-9_]+)[^}]*\}")]
    private static partial Regex PathParameter();

    // ------------------------------------------------------------------ schemas

    /// <summary>
    /// The serializer leaves nulls out (Startup: WhenWritingNull), so a nullable property is one that may
    /// be absent: optional, never null. Request bodies say what they require through their validators.
    /// </summary>
    private static void OmittedNullsAreOptional(OpenApiSchema schema, OpenApiSchemaTransformerContext context)
    {
        if (schema.Properties is null) return;
        var written = context.JsonTypeInfo.Properties.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var (name, property) in schema.Properties.ToList())
        {
            var info = written.GetValueOrDefault(name);
            // Written even when null (a page's `next`): required, and null is one of its values.
            if (info?.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), false) is [JsonIgnoreAttribute { Condition: JsonIgnoreCondition.Never }, ..])
                continue;
            // A nullable reference to another schema (or a JsonElement?) is typed without null here: the framework adds
            // null later, as oneOf, which NullableReferencesAreOptional takes off again. The property's own annotation says it may be left out.
            if (info is { IsGetNullable: true }) schema.Required?.Remove(name);
            if (property is OpenApiSchema s && s.Type is { } type && type.HasFlag(JsonSchemaType.Null) && type != JsonSchemaType.Null)
            {
                s.Type = type & ~JsonSchemaType.Null;
                schema.Required?.Remove(name);
            }
            else if (property is OpenApiSchema { OneOf.Count: 2 } u && u.OneOf.Any(o => o is OpenApiSchema { Type: JsonSchemaType.Null }))
            {
                schema.Properties[name] = u.OneOf.First(o => o is not OpenApiSchema { Type: JsonSchemaType.Null });
                schema.Required?.Remove(name);
            }
        }
    }

    /// <summary>
    /// A nullable reference to another schema reaches the document as <c>oneOf: [null, $ref]</c>, added after the schema
    /// transformers ran. Left out when null, as <see cref="OmittedNullsAreOptional"/> made it, it is never null: the reference alone.
    /// </summary>
    private static void NullableReferencesAreOptional(IDictionary<string, IOpenApiSchema> schemas)
    {
        foreach (var schema in schemas.Values.OfType<OpenApiSchema>())
            foreach (var (name, property) in schema.Properties?.ToList() ?? [])
                if (property is OpenApiSchema { OneOf.Count: 2 } u && u.OneOf.Any(o => o is OpenApiSchema { Type: JsonSchemaType.Null })
                    && schema.Required?.Contains(name) != true)
                    schema.Properties![name] = u.OneOf.First(o => o is not OpenApiSchema { Type: JsonSchemaType.Null });
    }

    /// <summary>
    /// A request body's fields are nullable in C# so the validator can name what is missing; the fields its
    /// validator requires unconditionally (NotNull, NotEmpty) are required in the document.
    /// </summary>
    private static void RequiredByValidator(OpenApiSchema schema, OpenApiSchemaTransformerContext context)
    {
        if (schema.Properties is null || context.JsonTypeInfo.Kind != System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object) return;
        if (context.ApplicationServices.GetService(typeof(IValidator<>).MakeGenericType(context.JsonTypeInfo.Type)) is not IValidator validator) return;
        var descriptor = validator.CreateDescriptor();
        foreach (var property in context.JsonTypeInfo.Properties)
        {
            if ((property.AttributeProvider as System.Reflection.MemberInfo)?.Name is not { } member || !schema.Properties.ContainsKey(property.Name)) continue;
            var required = descriptor.GetRulesForMember(member).Any(rule => rule.Components.Any(c =>
                c.Validator is FluentValidation.Validators.INotNullValidator or FluentValidation.Validators.INotEmptyValidator && !c.HasCondition && !c.HasAsyncCondition));
            if (required) (schema.Required ??= new HashSet<string>()).Add(property.Name);
        }
    }

    // ------------------------------------------------------------------ summaries

    /// <summary>One line per route of API.md, keyed by method and path as the document shows them.</summary>
    private static readonly Dictionary<string, string> Summaries = new()
    {
        ["POST /api/v1/auth/login"] = "Sign in; returns a bearer token",
        ["POST /api/v1/auth/activate"] = "Activate an owner's account with an invitation code",
        ["POST /api/v1/auth/logout"] = "Sign out: revoke this token",
        ["GET /api/v1/me"] = "The caller: user, roles per community, owned units",
        ["POST /api/v1/users"] = "Create a user (staff, supervisor, committee)",
        ["PUT /api/v1/communities/{c}/members/{userId}"] = "Grant or change a user's roles in the community",
        ["POST /api/v1/communities"] = "Create a community with its funds and default chart",
        ["GET /api/v1/communities/{c}"] = "Read a community",
        ["PUT /api/v1/communities/{c}/trust-terms"] = "Set the trust terms (a new version)",
        ["GET /api/v1/communities/{c}/trust-terms"] = "Read the trust terms in force",
        ["POST /api/v1/communities/{c}/units"] = "Add a unit",
        ["POST /api/v1/communities/{c}/units/import"] = "Import units from CSV, all or nothing",
        ["GET /api/v1/communities/{c}/units"] = "List units",
        ["POST /api/v1/communities/{c}/owners"] = "Add an owner of units",
        ["POST /api/v1/communities/{c}/owners/{ownerId}/invitations"] = "Issue a one-time invitation code for an owner",
        ["GET /api/v1/communities/{c}/accounts"] = "Chart of accounts with balances at a month's end",
        ["POST /api/v1/communities/{c}/accounts"] = "Add a sub-account",
        ["POST /api/v1/communities/{c}/entries"] = "Post a manual journal entry",
        ["GET /api/v1/communities/{c}/entries"] = "List journal entries",
        ["GET /api/v1/communities/{c}/entries/{seq}"] = "Read a journal entry with its hashes",
        ["POST /api/v1/communities/{c}/entries/{seq}/reversal"] = "Reverse a journal entry",
        ["GET /api/v1/communities/{c}/trial-balance"] = "Trial balance of a month",
        ["GET /api/v1/communities/{c}/integrity"] = "Re-check the hash chain and balances now",
        ["GET /api/v1/communities/{c}/export/journal"] = "The whole journal in hledger syntax",
        ["POST /api/v1/communities/{c}/months/{month}/close"] = "Close a past month and build its draft statement",
        ["PUT /api/v1/communities/{c}/fee-schedule"] = "Set the fee rates per unit use from a month",
        ["GET /api/v1/communities/{c}/fee-schedule"] = "List fee schedules",
        ["POST /api/v1/communities/{c}/billing-runs"] = "Bill every unit for a month (idempotent per month)",
        ["GET /api/v1/communities/{c}/bills"] = "List bills",
        ["POST /api/v1/communities/{c}/payments"] = "Record an owner's fee payment",
        ["POST /api/v1/communities/{c}/receipts"] = "Record public revenue",
        ["GET /api/v1/communities/{c}/units/{unitId}/statement"] = "A unit's bills, payments, prepayment and balance due",
        ["GET /api/v1/communities/{c}/units/{unitId}/entries"] = "A unit's journal entries, with their salts",
        ["GET /api/v1/communities/{c}/arrears"] = "Arrears by unit and age, and the collection rate",
        ["GET /api/v1/communities/{c}/outbox"] = "Queued arrears reminders",
        ["POST /api/v1/communities/{c}/budgets"] = "Draft a budget",
        ["GET /api/v1/communities/{c}/budgets"] = "List budgets",
        ["GET /api/v1/communities/{c}/budgets/{id}"] = "Read a budget",
        ["PUT /api/v1/communities/{c}/budgets/{id}"] = "Replace a draft budget",
        ["POST /api/v1/communities/{c}/budgets/{id}/publish"] = "Publish a budget for comment",
        ["POST /api/v1/communities/{c}/budgets/{id}/comments"] = "Comment on a published budget",
        ["GET /api/v1/communities/{c}/budgets/{id}/execution"] = "Budget execution per line: budget, reserved, spent, left",
        ["POST /api/v1/communities/{c}/motions"] = "Open a motion for an owners' vote",
        ["GET /api/v1/communities/{c}/motions"] = "List motions",
        ["GET /api/v1/communities/{c}/motions/{id}"] = "Read a motion with live participation",
        ["POST /api/v1/communities/{c}/motions/{id}/ballots"] = "Cast a ballot; returns a receipt",
        ["GET /api/v1/communities/{c}/motions/{id}/result"] = "A motion's result (public once closed)",
        ["POST /api/v1/communities/{c}/attachments"] = "Upload an attachment (PDF, PNG, JPEG)",
        ["GET /api/v1/communities/{c}/attachments/{sha256}"] = "Download an attachment",
        ["POST /api/v1/communities/{c}/spending-requests"] = "File a spending request",
        ["GET /api/v1/communities/{c}/spending-requests"] = "List spending requests",
        ["GET /api/v1/communities/{c}/spending-requests/{id}"] = "Read a spending request with its decisions",
        ["POST /api/v1/communities/{c}/spending-requests/{id}/decisions"] = "Approve or reject a spending request",
        ["POST /api/v1/communities/{c}/spending-requests/{id}/payment"] = "Pay an approved spending request",
        ["POST /api/v1/communities/{c}/spending-requests/{id}/cancel"] = "Cancel a pending spending request",
        ["POST /api/v1/communities/{c}/remuneration-accruals"] = "Accrue a month's trustee remuneration",
        ["POST /api/v1/communities/{c}/queries"] = "Ask a query (质询)",
        ["GET /api/v1/communities/{c}/queries"] = "List queries",
        ["POST /api/v1/communities/{c}/queries/{id}/answer"] = "Answer a query",
        ["GET /api/v1/communities/{c}/audit"] = "The audit trail",
        ["GET /api/v1/communities/{c}/statements"] = "List statements",
        ["GET /api/v1/communities/{c}/statements/{period}"] = "Read a statement",
        ["POST /api/v1/communities/{c}/statements/{period}/remarks"] = "Add the supervisor's remarks to a draft statement",
        ["POST /api/v1/communities/{c}/statements/{period}/publish"] = "Publish a statement early",
        ["POST /api/v1/communities/{c}/statements/{period}/corrections"] = "Issue a corrected version of a published statement",
        ["GET /api/v1/jobs/runs"] = "Recent job runs",
        ["GET /p/{c}"] = "The community's public page: latest statement, history, charts, votes (HTML)",
        ["GET /p/{c}/statements/{period}"] = "A published statement's page (HTML); period 2026-10, 2026-Q3 or 2026",
        ["GET /p/{c}/motions/{id}"] = "A closed motion's result page (HTML)",
        ["GET /embed/{c}/latest"] = "The compact page committees frame on their own sites (HTML)",
        ["GET /p/{c}/statements.json"] = "Index of every published statement version",
        ["GET /p/{c}/statements/{period}.json"] = "A published statement as canonical JSON with its hash",
        ["GET /p/{c}/statements/{period}/statement.json"] = "A published statement as canonical JSON (beside its data package)",
        ["GET /p/{c}/statements/{period}.csv"] = "A published statement as CSV",
        ["GET /p/{c}/statements/{period}/datapackage.json"] = "A published statement as a Fiscal Data Package descriptor",
        ["GET /p/{c}/statements/{period}/data.csv"] = "The Fiscal Data Package's data",
        ["GET /p/{c}/journal"] = "The verification feed: every entry's hashes, public entries in full",
    };
}
