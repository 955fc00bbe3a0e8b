using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Panel.Domain.Common;
using Panel.Domain.Federation;
using Panel.Infrastructure.Federation;
using Panel.Testing;

namespace Panel.Infrastructure.Tests.Federation;

/// <summary>Two stub servers on loopback addresses, with certificates from a CA made for the run.</summary>
public sealed class FederationStubs : IAsyncLifetime
{
    public static readonly IPAddress AddressA = IPAddress.Parse("127.0.0.71");
    public static readonly IPAddress AddressB = IPAddress.Parse("127.0.0.72");
    public static readonly IPAddress Silent = IPAddress.Parse("127.0.0.73");

    public TestCertificateAuthority Ca { get; } = new(Path.Combine(Path.GetTempPath(), "panel-fed-" + Guid.NewGuid().ToString("N")[..8]));

    public StubMatrixServer A { get; private set; } = null!;

    /// <summary>Serves a certificate for another name than its own.</summary>
    public StubMatrixServer B { get; private set; } = null!;

    public LoopbackNetwork Network { get; } = new();

    public TcpListener Tarpit { get; } = new(Silent, 8448);

    public async ValueTask InitializeAsync()
    {
        A = new StubMatrixServer(AddressA, "a.fed.test", Ca.Issue("a.fed.test", "fed.a.fed.test"));
        B = new StubMatrixServer(AddressB, "b.fed.test", Ca.Issue("other.example"));
        await A.StartAsync();
        await B.StartAsync();
        Tarpit.Start();
        Network.Hosts["a.fed.test"] = AddressA;
        Network.Hosts["fed.a.fed.test"] = AddressA;
        Network.Hosts["b.fed.test"] = AddressB;
        Network.Hosts["slow.fed.test"] = Silent;
    }

    public FederationProbe Probe(int stepTimeoutSeconds = 10) =>
        new(new FederationProbeOptions { TrustedCaFile = Ca.PemFile, StepTimeoutSeconds = stepTimeoutSeconds }, Network, new FakeTimeProvider(DateTimeOffset.UtcNow));

    public async ValueTask DisposeAsync()
    {
        Tarpit.Stop();
        await A.DisposeAsync();
        await B.DisposeAsync();
        Ca.Dispose();
    }
}

public sealed class FederationProbeTests : IClassFixture<FederationStubs>
{
    private readonly FederationStubs stubs;

    public FederationProbeTests(FederationStubs stubs)
    {
        // Each test starts from a server that serves everything, and switches off what it breaks.
        this.stubs = stubs;
        A.Behaviour.Delegation = null;
        A.Behaviour.ClientFile = A.Behaviour.Cors = A.Behaviour.FederationRoutes = true;
        A.Behaviour.TamperKeys = false;
        stubs.Network.Srv.Clear();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private StubMatrixServer A => stubs.A;

    private static FederationCheckStep Step(FederationCheckReport report, int n) => report.Steps.Single(s => s.Number == n);

    [Fact]
    public async Task A_server_delegated_through_well_known_passes_all_six_steps()
    {
        A.Behaviour.Delegation = "fed.a.fed.test:8448";
        var report = await stubs.Probe().CheckAsync("a.fed.test", A.ClientUrl, Ct);

        report.Steps.Select(s => s.Number).ShouldBe([1, 2, 3, 4, 5, 6]);
        report.Steps.ShouldAllBe(s => s.Outcome == CheckOutcome.Passed, string.Join("\n", report.Steps.Select(s => $"{s.Number} {s.Outcome}: {s.Seen}")));
        Step(report, 2).Seen.ShouldContain("fed.a.fed.test:8448");
        Step(report, 3).Seen.ShouldContain("trusted certificate");
        Step(report, 4).Seen.ShouldContain("Synapse 1.160.0");
        Step(report, 5).Seen.ShouldContain("ed25519:stub, its signature verifies");
        report.Passed.ShouldBeTrue();
    }

    [Fact]
    public async Task A_delegation_without_a_port_follows_the_srv_record_of_the_delegated_host()
    {
        A.Behaviour.Delegation = "fed.a.fed.test";
        stubs.Network.Srv["_matrix-fed._tcp.fed.a.fed.test"] = ("fed.a.fed.test", 8448);
        var report = await stubs.Probe().CheckAsync("a.fed.test", null, Ct);

        Step(report, 2).Seen.ShouldContain("which means fed.a.fed.test:8448");
        report.Passed.ShouldBeTrue(string.Join("\n", report.Steps.Select(s => $"{s.Number} {s.Outcome}: {s.Seen}")));
    }

    [Fact]
    public async Task Without_delegation_the_names_own_port_8448_answering_is_enough()
    {
        var report = await stubs.Probe().CheckAsync("a.fed.test", null, Ct);

        Step(report, 2).Outcome.ShouldBe(CheckOutcome.Passed);
        Step(report, 2).Seen.ShouldContain("No delegation: other servers use a.fed.test:8448, which answers");
    }

    [Fact]
    public async Task A_certificate_for_another_name_fails_the_tls_step_naming_both_names_not_the_delegation_it_hides()
    {
        var report = await stubs.Probe().CheckAsync("b.fed.test", null, Ct);

        // The certificate on the name's own host also hides .well-known: the cause is TLS, so step 3 is the one to fix.
        Step(report, 2).Outcome.ShouldBe(CheckOutcome.Skipped);
        Step(report, 2).Seen.ShouldContain("step 3 says why");
        var tls = Step(report, 3);
        tls.Outcome.ShouldBe(CheckOutcome.Failed);
        tls.Seen.ShouldContain("is for other.example, not b.fed.test");
        tls.Fix!.ShouldContain("Get a certificate for b.fed.test");
        Step(report, 4).Outcome.ShouldBe(CheckOutcome.Skipped);
        report.FirstFailure!.Number.ShouldBe(3);
    }

    [Fact]
    public async Task A_certificate_from_a_ca_nobody_trusts_fails_the_tls_step()
    {
        A.Behaviour.Delegation = "fed.a.fed.test:8448";
        var untrusting = new FederationProbe(new FederationProbeOptions(), stubs.Network, TimeProvider.System);
        var report = await untrusting.CheckAsync("a.fed.test", null, Ct);

        Step(report, 3).Outcome.ShouldBe(CheckOutcome.Failed);
        Step(report, 3).Seen.ShouldContain("is not trusted");
        Step(report, 3).Fix!.ShouldContain("public CA");
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_fails_the_first_step_and_skips_the_rest()
    {
        var report = await stubs.Probe().CheckAsync("nowhere.fed.test", null, Ct);

        Step(report, 1).Outcome.ShouldBe(CheckOutcome.Failed);
        Step(report, 1).Fix!.ShouldContain("A (or AAAA) record");
        report.Steps.Where(s => s.Number > 1).ShouldAllBe(s => s.Outcome == CheckOutcome.Skipped);
    }

    [Fact]
    public async Task A_host_that_never_answers_times_out_at_the_steps_deadline_instead_of_hanging()
    {
        var clock = Stopwatch.StartNew();
        var report = await stubs.Probe(1).CheckAsync("slow.fed.test:8448", null, Ct);

        Step(report, 3).Outcome.ShouldBe(CheckOutcome.Failed);
        Step(report, 3).Seen.ShouldContain("timed out");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task Keys_changed_on_the_way_fail_the_signature_step()
    {
        A.Behaviour.Delegation = "fed.a.fed.test:8448";
        A.Behaviour.TamperKeys = true;
        var report = await stubs.Probe().CheckAsync("a.fed.test", null, Ct);

        Step(report, 5).Outcome.ShouldBe(CheckOutcome.Failed);
        Step(report, 5).Seen.ShouldContain("the signature by ed25519:stub does not verify");
    }

    [Fact]
    public async Task A_proxy_that_drops_the_federation_routes_fails_step_four_with_the_fix()
    {
        A.Behaviour.Delegation = "fed.a.fed.test:8448";
        A.Behaviour.FederationRoutes = false;
        var report = await stubs.Probe().CheckAsync("a.fed.test", null, Ct);

        Step(report, 4).Outcome.ShouldBe(CheckOutcome.Failed);
        Step(report, 4).Seen.ShouldContain("404");
        Step(report, 4).Fix!.ShouldContain("Forward /_matrix/");
        Step(report, 5).Outcome.ShouldBe(CheckOutcome.Skipped);
    }

    [Fact]
    public async Task The_client_file_must_carry_cors_and_name_this_servers_address()
    {
        A.Behaviour.Delegation = "fed.a.fed.test:8448";
        A.Behaviour.Cors = false;
        var noCors = await stubs.Probe().CheckAsync("a.fed.test", A.ClientUrl, Ct);
        Step(noCors, 6).Outcome.ShouldBe(CheckOutcome.Failed);
        Step(noCors, 6).Seen.ShouldContain("Access-Control-Allow-Origin");

        A.Behaviour.Cors = true;
        var elsewhere = await stubs.Probe().CheckAsync("a.fed.test", new Uri("https://matrix.elsewhere.test/"), Ct);
        Step(elsewhere, 6).Seen.ShouldContain("not this server's client address https://matrix.elsewhere.test");

        // A remote server without the file is not at fault: people type its address.
        A.Behaviour.ClientFile = false;
        Step(await stubs.Probe().CheckAsync("a.fed.test", null, Ct), 6).Outcome.ShouldBe(CheckOutcome.Skipped);
    }

    [Theory]
    [InlineData("not a name!")]
    [InlineData("")]
    [InlineData("a.fed.test:99999")]
    public async Task A_typed_name_that_is_not_a_server_name_gets_a_clear_message(string name)
    {
        var e = await Should.ThrowAsync<DomainException>(() => stubs.Probe().CheckAsync(name, null, Ct));
        e.Message.ShouldNotBeNullOrWhiteSpace();
    }
}
