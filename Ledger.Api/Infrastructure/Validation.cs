using FluentValidation;

namespace Ledger.Api.Infrastructure;

/// <summary>
/// Runs the FluentValidation validator registered for the body type <typeparamref name="T"/> and
/// answers 400 validation_failed with every field's messages. Shape only: the domain checks meaning.
/// </summary>
public sealed class ValidationFilter<T> : IEndpointFilter where T : class
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var body = context.Arguments.OfType<T>().FirstOrDefault();
        if (body is null) return Problems.Validation("body", "A JSON body is required.");
        var validator = context.HttpContext.RequestServices.GetRequiredService<IValidator<T>>();
        var result = await validator.ValidateAsync(body, context.HttpContext.RequestAborted);
        if (!result.IsValid)
            return Problems.Validation(result.Errors
                .GroupBy(e => JsonName(e.PropertyName))
                .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray()));
        return await next(context);
    }

    private static string JsonName(string property) =>
        string.Join('.', property.Split('.').Select(p => p.Length > 0 ? char.ToLowerInvariant(p[0]) + p[1..] : p));
}

public static class ValidationExtensions
{
    public static RouteHandlerBuilder Validate<T>(this RouteHandlerBuilder builder) where T : class =>
        builder.AddEndpointFilter<ValidationFilter<T>>().ProducesValidationProblem();

    /// <summary>Visible ASCII only, for keys, codes and references.</summary>
    public static bool IsVisibleAscii(string? s) => s is not null && s.All(c => c is >= '!' and <= '~');

    /// <summary>Text a person wrote: the same rule as <see cref="TextGuard"/> (line breaks in multi-line fields only, no other
    /// control characters, no bidirectional overrides), so a form that never passed through the JSON guard meets it too.</summary>
    public static IRuleBuilderOptions<T, string?> Text<T>(this IRuleBuilder<T, string?> rule, int max) =>
        rule.NotEmpty().MaximumLength(max)
            .Must((_, s, context) => s is null || TextGuard.Problem(s, TextGuard.IsMultiLine(context.PropertyPath)) is null)
            .WithMessage("Control characters, bidirectional controls and (outside multi-line text) line breaks are not allowed.");

    /// <summary>A unit's building or number: text, and 1-40 characters as kept (<see cref="Domain.Model.UnitLabels"/>).</summary>
    public static IRuleBuilderOptions<T, string?> UnitLabel<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Text(Domain.Model.UnitLabels.MaxLength)
            .Must(s => s is null || Domain.Model.UnitLabels.IsValid(Domain.Model.UnitLabels.Normalize(s)))
            .WithMessage("1 to 40 characters as kept: in standard form (NFKC), without invisible format characters.");

    public static IRuleBuilderOptions<T, string?> Date<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().Must(s => Domain.Model.Dates.TryParse(s, out _)).WithMessage("A date as YYYY-MM-DD.");

    public static IRuleBuilderOptions<T, string?> MonthText<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().Must(s => Domain.Model.Month.TryParse(s, out _)).WithMessage("A month as YYYY-MM.");
}
