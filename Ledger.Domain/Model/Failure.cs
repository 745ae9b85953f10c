namespace Ledger.Domain.Model;

/// <summary>
/// An expected failure: a stable snake_case code, a human sentence, and the HTTP status the
/// API maps it to. Rules return these as values; exceptions are for defects.
/// </summary>
public sealed record Failure(string Code, string Detail, int Status = 422)
{
    public static Failure NotFound(string what) => new(Codes.NotFound, $"{what} was not found.", 404);
    public static Failure Conflict(string code, string detail) => new(code, detail, 409);
    public static Failure Invalid(string code, string detail) => new(code, detail, 400);
}

/// <summary>A value or an expected failure.</summary>
public readonly struct Result<T>
{
    private Result(T? value, Failure? failure) { Value = value; Failure = failure; }

    public T? Value { get; }
    public Failure? Failure { get; }
    public bool Ok => Failure is null;

    public static implicit operator Result<T>(T value) => new(value, null);
    public static implicit operator Result<T>(Failure failure) => new(default, failure);

    public static Result<T> From(T value) => new(value, null);
}

/// <summary>The stable error codes of API.md, plus the ones this service adds.</summary>
public static class Codes
{
    public const string NotFound = "not_found";
    public const string ValidationFailed = "validation_failed";
    public const string MalformedRequest = "malformed_request";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string TooManyRequests = "too_many_requests";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string InternalError = "internal_error";

    public const string EntryUnbalanced = "entry_unbalanced";
    public const string AmountNotPositive = "amount_not_positive";
    public const string UnknownAccount = "unknown_account";
    public const string UnknownUnit = "unknown_unit";
    public const string UnitRequired = "unit_required";
    public const string UnitNotAllowed = "unit_not_allowed";
    public const string FundMismatch = "fund_mismatch";
    public const string UnknownFund = "unknown_fund";
    public const string MonthClosed = "month_closed";
    public const string MonthNotOpen = "month_not_open";
    public const string EarlierMonthOpen = "earlier_month_open";
    public const string InsufficientFunds = "insufficient_funds";
    public const string CashOutRequiresRequest = "cash_out_requires_request";
    public const string AlreadyReversed = "already_reversed";
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    public const string ExternalRefUsed = "external_ref_used";
    public const string AmountTooLarge = "amount_too_large";

    public const string SlugTaken = "slug_taken";
    public const string LoginTaken = "login_taken";
    public const string AccountExists = "account_exists";
    public const string InvalidCredentials = "invalid_credentials";
    public const string UnknownUser = "unknown_user";
    public const string UnknownTimeZone = "unknown_time_zone";

    public const string InvitationInvalid = "invitation_invalid";
    public const string UnitExists = "unit_exists";
    public const string ImportInvalid = "import_invalid";
    public const string NoFeeSchedule = "no_fee_schedule";
    public const string NoRateForUse = "no_rate_for_use";
    public const string MonthAlreadyBilled = "month_already_billed";
    public const string EntryNotReversible = "entry_not_reversible";
    public const string SubledgerRequiresFlow = "subledger_requires_flow";

    public const string AccountKindMismatch = "account_kind_mismatch";
    public const string BudgetNotDraft = "budget_not_draft";
    public const string BudgetNotPublished = "budget_not_published";
    public const string SubjectInvalid = "subject_invalid";
    public const string MotionNotOpen = "motion_not_open";
    public const string NotAVoter = "not_a_voter";

    public const string TrustTermsRequired = "trust_terms_required";
    public const string UnknownAttachment = "unknown_attachment";
    public const string ExceedsPayable = "exceeds_payable";
    public const string SelfApproval = "self_approval";
    public const string TrusteeCannotApprove = "trustee_cannot_approve";
    public const string AlreadyDecided = "already_decided";
    public const string RequestNotPending = "request_not_pending";
    public const string NotApproved = "not_approved";
    public const string AlreadyPaid = "already_paid";
    public const string PaidBeforeApproval = "paid_before_approval";
    public const string UnknownSubject = "unknown_subject";
    public const string AlreadyAnswered = "already_answered";

    public const string StatementPublished = "statement_published";
    public const string StatementNotPublished = "statement_not_published";
    public const string EarlierStatementUnpublished = "earlier_statement_unpublished";

    public const string NotTheAsker = "not_the_asker";
    public const string InquiryNotAnswered = "query_not_answered";
    public const string AlreadyRated = "already_rated";
    public const string InquiryClosed = "query_closed";
    public const string InquiryNotEscalated = "query_not_escalated";
    public const string EvaluationNotOpen = "evaluation_not_open";
    public const string EvaluationNotClosed = "evaluation_not_closed";
    public const string EvaluationScoresInvalid = "evaluation_scores_invalid";
    public const string EvaluationDatesInvalid = "evaluation_dates_invalid";
}
