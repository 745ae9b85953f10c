using Ledger.Domain.Store;
using Ledger.Tests.Infrastructure;

namespace Ledger.Tests.Store;

/// <summary>
/// Tries to break the sign-in reads' sharing of a round trip on PostgreSQL (<see cref="ReadCombiner"/>): reads sent
/// together leave as one batch, and each answers for its own token: a revoked one is refused, another community's
/// member gets no roles here, and the others get their own user and roles.
/// </summary>
public sealed class PostgresReadCombinerTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private LedgerApp App => fixture.App;

    private static string Token(ApiClient client) => client.Http.DefaultRequestHeaders.Authorization!.Parameter!;

    [SkippableFact]
    public async Task Sign_in_reads_sent_together_share_a_batch_and_each_answers_for_its_own_token()
    {
        var reads = App.Service<LedgerDatabase>().Reads!;
        var identity = App.Service<IdentityBook>();
        var slug = await App.CommunityAsync();
        var supervisor = await App.UserAsync(slug, "supervisor");
        var trustee = await App.UserAsync(slug, "trustee", "trustee_manager");
        var revoked = await App.UserAsync(slug, "supervisor");
        var elsewhere = await App.UserAsync(await App.CommunityAsync(), "trustee");
        await identity.RevokeAsync(Token(revoked));

        // Every slot busy with a read that waits at its reader, so the sign-in reads sent next queue and leave together.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var busy = Enumerable.Range(0, reads.MaxWriters).Select(_ => reads.ReadAsync("SELECT 1", [], async _ => { await gate.Task; return "busy"; })).ToList();
        var before = reads.Written;
        var asked = new[] { supervisor, trustee, revoked, elsewhere }.Select(c => identity.AuthenticateInAsync(Token(c), slug)).ToList();
        gate.SetResult();
        await Task.WhenAll(busy);
        var answers = await Task.WhenAll(asked);

        Assert.True(reads.Written.Largest >= asked.Count, $"the sign-in reads did not share a batch: {reads.Written}");
        Assert.True(reads.Written.Batches > before.Batches);
        Assert.Equal(supervisor.UserId, answers[0].User!.Id);
        Assert.Equal(["supervisor"], answers[0].Roles);
        Assert.Equal(trustee.UserId, answers[1].User!.Id);
        Assert.Equal(["trustee", "trustee_manager"], answers[1].Roles);
        Assert.Equal(slug, answers[1].Community!.Slug);
        Assert.Null(answers[2].User); // revoked before the batch
        Assert.Equal(elsewhere.UserId, answers[3].User!.Id);
        Assert.Empty(answers[3].Roles); // a member of another community holds no role here
    }
}
