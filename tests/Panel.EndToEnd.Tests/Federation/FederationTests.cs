using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Panel.Domain.Federation;
using Panel.EndToEnd.Tests.Pages;
using Panel.Testing;
using Panel.Web.Features.Moderation;

namespace Panel.EndToEnd.Tests.Federation;

/// <summary>Two real Synapses, each behind the Caddy its panel runs, federating over TLS from a test CA.</summary>
public sealed class FederationTests(FederatedPair pair, BrowserFixture browser) : IClassFixture<FederatedPair>, IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan FederationTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_user_on_one_server_invites_one_on_the_other_messages_cross_both_ways_and_the_self_check_passes_every_step()
    {
        using var ada = await pair.A.NewUserAsync("ada");
        using var bea = await pair.B.NewUserAsync("bea");
        var room = await ada.CreateRoomAsync("Across servers", [bea.UserId!]);
        await JoinAsync(bea, room);

        await ada.SendTextAsync(room, "hello from a.fed.test");
        await Eventually.UntilAsync(() => bea.RecentTextsAsync(room), t => t.Contains("hello from a.fed.test"), FederationTimeout, "A's message on B", TimeSpan.FromSeconds(1));
        await bea.SendTextAsync(room, "hello back from b.fed.test");
        await Eventually.UntilAsync(() => ada.RecentTextsAsync(room), t => t.Contains("hello back from b.fed.test"), FederationTimeout, "B's message on A", TimeSpan.FromSeconds(1));

        var report = await pair.A.CheckAsync("b.fed.test");
        report.Steps.Select(s => (s.Number, s.Outcome)).ShouldBe(Enumerable.Range(1, 6).Select(n => (n, CheckOutcome.Passed)), string.Join("\n", report.Steps.Select(s => $"{s.Number} {s.Outcome}: {s.Seen}")));
        report.Steps[2].Seen.ShouldContain("b.fed.test");
        (await pair.A.DestinationsAsync()).Destinations.ShouldContain(d => d.Destination.Name == "b.fed.test" && !d.Destination.Failing);
    }

    [Fact]
    public async Task Each_way_federation_breaks_is_named_by_the_self_check_and_retry_now_brings_the_destination_back()
    {
        using var cy = await pair.A.NewUserAsync("cy");
        using var dee = await pair.B.NewUserAsync("dee");
        var room = await cy.CreateRoomAsync("Breakable", [dee.UserId!]);
        await JoinAsync(dee, room);

        try
        {
            // B's proxy stops: nothing answers for b.fed.test, and A backs off from it.
            (await DockerTestHelper.CliAsync("stop", pair.B.ProxyContainer)).ExitCode.ShouldBe(0);
            var down = await pair.A.CheckAsync("b.fed.test");
            down.FirstFailure.ShouldNotBeNull().Number.ShouldBeInRange(2, 4, Describe(down));
            await cy.SendTextAsync(room, "sent while b is down");
            // Messages are retried for minutes before a failure counts; a key query for someone A knows
            // nothing of asks B at once, fails, and puts B in back-off (as in the destinations test).
            try
            {
                await cy.PostAsync("/_matrix/client/v3/keys/query", new { device_keys = new Dictionary<string, string[]> { ["@nobody:b.fed.test"] = [] }, timeout = 5000 });
            }
            catch (InvalidOperationException)
            {
                // Synapse answers with the failure listed, or an error: either way it tried.
            }

            await Eventually.UntilAsync(pair.A.DestinationsAsync, l => l.Destinations.Any(d => d.Destination.Name == "b.fed.test" && d.Destination.Failing), FederationTimeout, "b.fed.test in back-off", TimeSpan.FromSeconds(2));
            (await DockerTestHelper.CliAsync("start", pair.B.ProxyContainer)).ExitCode.ShouldBe(0);
            await pair.LinkAsync();

            // A certificate for another name: the panel refuses to serve one, so it is put there behind its back.
            using var wrong = pair.Ca.Issue("other.fed.test");
            var wrongPem = TestCertificateAuthority.Pem(wrong);
            (await pair.B.ApplyProxyAsync(wrongPem)).ShouldBe(HttpStatusCode.BadRequest);
            await ServeCertificateAsync(wrongPem);
            var wrongName = await pair.A.CheckAsync("b.fed.test");
            wrongName.FirstFailure.ShouldNotBeNull().Number.ShouldBe(3, Describe(wrongName));
            wrongName.FirstFailure!.Seen.ShouldContain("other.fed.test");

            // The panel puts its own certificate back; then the discovery files go.
            (await pair.B.ApplyProxyAsync(null)).ShouldBe(HttpStatusCode.Accepted);
            await pair.B.WaitForProxyAsync();
            (await pair.B.ApplyProxyAsync(null, serveWellKnown: false)).ShouldBe(HttpStatusCode.Accepted);
            await pair.B.WaitForProxyAsync();
            await pair.LinkAsync();
            var noWellKnown = await pair.A.CheckAsync("b.fed.test");
            noWellKnown.FirstFailure.ShouldNotBeNull().Number.ShouldBe(2, Describe(noWellKnown));

            (await pair.B.ApplyProxyAsync(null)).ShouldBe(HttpStatusCode.Accepted);
            await pair.B.WaitForProxyAsync();
            await pair.LinkAsync();
            (await pair.A.CheckAsync("b.fed.test")).Passed.ShouldBeTrue();

            // Retry now: A tries at once instead of waiting out its back-off (minutes at least), and what was queued arrives.
            await pair.A.Api.PostAsync("/api/v1/federation/destinations/b.fed.test/retry", null, HttpStatusCode.NoContent);
            await cy.SendTextAsync(room, "sent after retry now");
            await Eventually.UntilAsync(() => dee.RecentTextsAsync(room), t => t.Contains("sent after retry now") && t.Contains("sent while b is down"), FederationTimeout, "The queued and the new message on B", TimeSpan.FromSeconds(1));
            await Eventually.UntilAsync(pair.A.DestinationsAsync, l => l.Destinations.Any(d => d.Destination.Name == "b.fed.test" && !d.Destination.Failing), FederationTimeout, "b.fed.test out of back-off", TimeSpan.FromSeconds(1));
            (await pair.A.Api.AuditAsync("action=federation.retry")).ShouldContain(e => e.Target == "b.fed.test");
            (await pair.B.Api.AuditAsync("action=proxy.configured")).Count.ShouldBeGreaterThanOrEqualTo(3);
        }
        finally
        {
            // Whatever failed, B is whole again for the other tests of the class.
            await DockerTestHelper.CliAsync("start", pair.B.ProxyContainer);
            if (await pair.B.ApplyProxyAsync(null) == HttpStatusCode.Accepted)
            {
                await pair.B.WaitForProxyAsync();
            }

            await pair.LinkAsync();
        }
    }

    [Fact]
    public async Task The_owner_sees_the_proxy_refuses_a_wrong_certificate_and_checks_the_other_server_from_the_homeserver_page()
    {
        var applied = (await pair.A.Api.AuditAsync("action=proxy.configured")).Count;
        try
        {
            foreach (var (width, height) in new[] { (1366, 900), (390, 844) })
            {
                var page = await browser.NewPageAsync(pair.A.Process.BaseUrl, width, height);
                await BrowserFixture.RunAsync(page, $"proxy-{width}", async () =>
                {
                    await LoginPage.SignInAsOwnerAsync(page);
                    await page.GotoAsync("/homeserver");
                    await AdminPage.WaitForInteractiveAsync(page);
                    var proxy = page.GetByTestId("reverse-proxy");
                    var state = proxy.GetByTestId("proxy-state");
                    await Assertions.Expect(state).ToHaveAttributeAsync("data-container", "running");
                    await Assertions.Expect(state).ToContainTextAsync("certificate for a.fed.test");

                    if (width == 1366)
                    {
                        // A certificate for another name is refused before anything changes, with the names said.
                        using var wrong = pair.Ca.Issue("elsewhere.fed.test");
                        var (certificate, key) = TestCertificateAuthority.Pem(wrong);
                        await proxy.GetByTestId("proxy-certificate-pem").FillAsync(certificate);
                        await proxy.GetByTestId("proxy-key-pem").FillAsync(key);
                        await proxy.GetByTestId("proxy-apply").ClickAsync();
                        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("is for elsewhere.fed.test, not for a.fed.test");
                        await Assertions.Expect(state).ToContainTextAsync("certificate for a.fed.test");

                        // Empty fields keep the stored certificate and key: Apply rewrites and restarts Caddy.
                        await proxy.GetByTestId("proxy-certificate-pem").FillAsync("");
                        await proxy.GetByTestId("proxy-key-pem").FillAsync("");
                        await proxy.GetByTestId("proxy-apply").ClickAsync();
                        // The operation's audit entry is written as it ends.
                        await Eventually.UntilAsync(() => pair.A.Api.AuditAsync("action=proxy.configured"), e => e.Count == applied + 1, TimeSpan.FromSeconds(60), "The proxy applied again", TimeSpan.FromSeconds(1));
                        await pair.A.WaitForProxyAsync();
                        await pair.LinkAsync();
                        await Assertions.Expect(state).ToHaveAttributeAsync("data-container", "running", new() { Timeout = 30_000 });
                    }

                    // The other server, checked as A's Synapse would reach it: every step passes.
                    var check = page.GetByTestId("federation-check");
                    await check.GetByTestId("federation-check-name").FillAsync("b.fed.test");
                    await check.GetByTestId("federation-check-other").ClickAsync();
                    await Assertions.Expect(check.GetByTestId("federation-verdict")).ToContainTextAsync("b.fed.test: other servers can reach it", new() { Timeout = 60_000 });
                    await Assertions.Expect(check.Locator("[data-testid=federation-step][data-outcome=Passed]")).ToHaveCountAsync(6);
                    await proxy.ScrollIntoViewIfNeededAsync();
                    await BrowserFixture.ScreenshotAsync(page, $"proxy-{width}");
                    await proxy.ScreenshotAsync(new() { Path = Path.Combine(TestEnvironment.ArtifactsDirectory, $"proxy-card-{width}.png") });
                    await BrowserFixture.ShouldFitTheWidthAsync(page, width);
                }, pair.A.Process);
                await page.Context.CloseAsync();
            }

            (await pair.A.Api.AuditAsync("action=proxy.configured")).Count.ShouldBe(applied + 1, "the refused certificate changed nothing");
        }
        finally
        {
            await pair.LinkAsync();
        }
    }

    [Fact]
    public async Task A_reported_message_from_another_servers_user_is_acted_on_only_as_far_as_synapse_allows_and_the_panel_says_so()
    {
        using var al = await pair.A.NewUserAsync("al");
        using var bo = await pair.B.NewUserAsync("bo");
        var room = await bo.CreateRoomAsync("Remote spam", [al.UserId!]);
        await JoinAsync(al, room);
        var spam = await bo.SendTextAsync(room, "remote pills, click here");
        await Eventually.UntilAsync(() => al.RecentTextsAsync(room), t => t.Contains("remote pills, click here"), FederationTimeout, "B's message on A", TimeSpan.FromSeconds(1));
        await al.ReportAsync(room, spam, "spam from afar");

        var report = (await Eventually.UntilAsync(() => pair.A.Api.GetAsync<ReportList>("/api/v1/moderation/reports"), l => l.Reports.Any(r => r.Report.EventId == spam), TimeSpan.FromSeconds(30), "The report on A", TimeSpan.FromSeconds(1)))
            .Reports.Single(r => r.Report.EventId == spam);
        report.SenderIsLocal.ShouldBeFalse();
        report.Report.Sender.ShouldBe(bo.UserId);
        var id = report.Report.Id;

        // A's admin account is not in B's room: Synapse refuses the redaction, and the panel says why and what else to do.
        var redact = await pair.A.Api.Http.PostAsJsonAsync($"/api/v1/moderation/reports/{id}/redact", new { }, TestContext.Current.CancellationToken);
        redact.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var why = await redact.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        why.ShouldContain($"{bo.UserId} is on another server");
        why.ShouldContain("Block the room instead");
        var deactivate = await pair.A.Api.Http.PostAsJsonAsync($"/api/v1/moderation/reports/{id}/deactivate-sender", new { }, TestContext.Current.CancellationToken);
        deactivate.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await deactivate.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldContain("only its own server can deactivate it");
        (await al.EventContentAsync(room, spam)).GetProperty("body").GetString().ShouldBe("remote pills, click here");

        // What this server can do: block the room here, which closes the report.
        (await pair.A.Api.Http.PostAsJsonAsync($"/api/v1/moderation/reports/{id}/block-room", new { }, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await pair.A.Api.GetAsync<ReportList>("/api/v1/moderation/reports")).Reports.ShouldNotContain(r => r.Report.Id == id);
        (await pair.A.Api.AuditAsync("action=room.blocked")).ShouldContain(e => e.Target == room);
    }

    /// <summary>Joins once the invite has crossed over (it comes by federation, a moment after it was sent).</summary>
    private static Task JoinAsync(MatrixClient client, string room) =>
        Eventually.UntilAsync(async () =>
        {
            try
            {
                await client.JoinAsync(room);
                return true;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }, joined => joined, FederationTimeout, "The join over federation", TimeSpan.FromSeconds(1));

    private async Task ServeCertificateAsync((string Certificate, string Key) pem)
    {
        var dir = TestEnvironment.NewTempDirectory("wrong-cert");
        await File.WriteAllTextAsync(Path.Combine(dir, "proxy.crt"), pem.Certificate);
        await File.WriteAllTextAsync(Path.Combine(dir, "proxy.key"), pem.Key);
        (await DockerTestHelper.CliAsync("cp", Path.Combine(dir, "proxy.crt"), $"{pair.B.ProxyContainer}:/etc/caddy/certs/proxy.crt")).ExitCode.ShouldBe(0);
        (await DockerTestHelper.CliAsync("cp", Path.Combine(dir, "proxy.key"), $"{pair.B.ProxyContainer}:/etc/caddy/certs/proxy.key")).ExitCode.ShouldBe(0);
        (await DockerTestHelper.CliAsync("restart", pair.B.ProxyContainer)).ExitCode.ShouldBe(0);
        await pair.LinkAsync();
    }

    private static string Describe(FederationCheckReport report) => string.Join("\n", report.Steps.Select(s => $"{s.Number} {s.Outcome}: {s.Seen}"));
}
