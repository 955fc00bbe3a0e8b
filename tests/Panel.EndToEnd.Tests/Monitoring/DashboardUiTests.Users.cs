using System.Net;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Pages;
using Panel.Testing;
using Panel.Web.Features.Invites;

namespace Panel.EndToEnd.Tests.Monitoring;

/// <summary>The Users and Rooms pages as an owner walks them: from an invite to the friend who used it, and on to their rooms.</summary>
public sealed partial class DashboardUiTests
{
    [Fact]
    public async Task A_friend_opens_in_a_side_drawer_with_the_invite_they_used_their_rooms_and_when_they_were_last_seen()
    {
        var invite = await hs.CreateInviteAsync(new CreateInviteRequest { Note = "for Dana", MaxUses = 1 });
        (await hs.RedeemAsync(invite.Code, "dana", "a long enough password")).StatusCode.ShouldBe(HttpStatusCode.Created);
        using var dana = new MatrixClient(await hs.ClientUrlAsync());
        await dana.LoginAsync("dana", "a long enough password");
        await dana.CreateRoomAsync("Dana's corner");
        var userId = $"@dana:{hs.ServerName}";

        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        await BrowserFixture.RunAsync(page, "users-drawer", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            await page.GotoAsync("/invites");
            await AdminPage.WaitForInteractiveAsync(page);
            await page.GetByRole(AriaRole.Link, new() { Name = userId }).ClickAsync();
            await page.WaitForURLAsync(url => url.Contains("/users?user=", StringComparison.Ordinal));

            var details = page.GetByTestId("user-details");
            await Assertions.Expect(details).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByTestId("user-invite")).ToContainTextAsync("for Dana");
            await Assertions.Expect(page.GetByTestId("user-rooms")).ToContainTextAsync("Dana's corner");
            // Signed in a moment ago: not "never".
            await Assertions.Expect(page.GetByTestId("user-last-seen")).Not.ToHaveTextAsync("never");
            // "Also erase" sits beside Deactivate, in its own zone.
            var zone = page.GetByTestId("deactivate-zone");
            var erase = (await zone.GetByText("Also erase").BoundingBoxAsync())!;
            var deactivate = (await zone.GetByTestId("deactivate").BoundingBoxAsync())!;
            Math.Abs(erase.Y - deactivate.Y).ShouldBeLessThan(40, "on one line with Deactivate");
            // A drawer at the side, over the list: the table stays where it was.
            (await details.BoundingBoxAsync())!.X.ShouldBeGreaterThan(400);
            await BrowserFixture.ScreenshotAsync(page, "users-drawer");

            // From the friend to their room.
            await page.GetByTestId("user-rooms").GetByRole(AriaRole.Link, new() { Name = "Dana's corner" }).ClickAsync();
            await page.WaitForURLAsync(url => url.Contains("/rooms?search=", StringComparison.Ordinal));
            var rows = page.GetByTestId("rooms-table").Locator("tbody tr");
            await Assertions.Expect(rows).ToHaveCountAsync(1);
            await Assertions.Expect(rows.First).ToContainTextAsync("Dana's corner");

            // Another friend signs up while the list is open: their row comes without a reload.
            await page.GotoAsync("/users");
            await AdminPage.WaitForInteractiveAsync(page);
            await Assertions.Expect(page.GetByTestId("users-table")).ToContainTextAsync(userId);
            var next = await hs.CreateInviteAsync(new CreateInviteRequest { MaxUses = 1 });
            (await hs.RedeemAsync(next.Code, "erin", "a long enough password")).StatusCode.ShouldBe(HttpStatusCode.Created);
            await Assertions.Expect(page.GetByTestId("users-table")).ToContainTextAsync($"@erin:{hs.ServerName}", new() { Timeout = 10_000 });
        }, hs.Process);
    }

    [Fact]
    public async Task The_dashboard_counts_the_rooms_the_rooms_page_lists_and_a_new_room_appears_without_a_reload()
    {
        using var owner = new MatrixClient(await hs.ClientUrlAsync());
        const string password = "another long password";
        (await hs.RedeemAsync((await hs.CreateInviteAsync(new CreateInviteRequest { MaxUses = 1 })).Code, "roomcounter", password)).StatusCode.ShouldBe(HttpStatusCode.Created);
        await owner.LoginAsync("roomcounter", password);
        await owner.CreateRoomAsync("Counted room one");

        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        await BrowserFixture.RunAsync(page, "rooms-count", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            await page.GotoAsync("/rooms");
            await AdminPage.WaitForInteractiveAsync(page);
            var rows = page.GetByTestId("rooms-table").Locator("tbody tr");
            // Synapse counts a new room a moment after it is made; the open page catches up by itself.
            await Assertions.Expect(page.GetByTestId("rooms-table")).ToContainTextAsync("Counted room one", new() { Timeout = 20_000 });
            var listed = await rows.CountAsync();

            await page.GotoAsync("/");
            await AdminPage.WaitForInteractiveAsync(page);
            await Assertions.Expect(page.GetByTestId("rooms-count")).ToHaveTextAsync(listed.ToString(System.Globalization.CultureInfo.InvariantCulture));

            // A room made in a client shows on an open Rooms page, and then on the dashboard.
            await page.GotoAsync("/rooms");
            await AdminPage.WaitForInteractiveAsync(page);
            await Assertions.Expect(rows).ToHaveCountAsync(listed);
            await owner.CreateRoomAsync("Counted room two");
            await Assertions.Expect(rows).ToHaveCountAsync(listed + 1, new() { Timeout = 20_000 });
            await Assertions.Expect(page.GetByTestId("rooms-table")).ToContainTextAsync("Counted room two");
            await page.GotoAsync("/");
            await AdminPage.WaitForInteractiveAsync(page);
            await Assertions.Expect(page.GetByTestId("rooms-count")).ToHaveTextAsync((listed + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }, hs.Process);
    }

    [Fact]
    public async Task The_public_pages_wear_the_admin_pages_colours_and_type_in_light_and_dark_mode()
    {
        foreach (var dark in new[] { false, true })
        {
            var page = await browser.NewPageAsync(hs.Process.BaseUrl, 1366, 900, dark);
            await BrowserFixture.RunAsync(page, "public-look-" + (dark ? "dark" : "light"), async () =>
            {
                const string look = "s => { const e = document.querySelector(s); const c = getComputedStyle(e); return [c.backgroundColor, c.color, getComputedStyle(document.body).fontFamily, getComputedStyle(document.body).backgroundColor]; }";
                await page.GotoAsync("/donate");
                var publicLook = await page.EvaluateAsync<string[]>(look, ".site-header");
                await LoginPage.SignInAsOwnerAsync(page);
                await AdminPage.WaitForInteractiveAsync(page);
                var adminLook = await page.EvaluateAsync<string[]>(look, ".mud-appbar");
                publicLook.ShouldBe(adminLook, $"bar colour, bar text, font and page colour ({(dark ? "dark" : "light")})");
            }, hs.Process);
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task On_a_phone_the_live_charts_time_labels_do_not_overlap_and_in_dark_mode_the_grid_is_dim()
    {
        var page = await browser.NewPageAsync(hs.Process.BaseUrl, 390, 844, dark: true);
        await BrowserFixture.RunAsync(page, "phone-chart", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            var monitoring = new MonitoringPage(page);
            await monitoring.OpenAsync();
            await Assertions.Expect(monitoring.MemoryChartLines.First).ToBeAttachedAsync(new() { Timeout = 20_000 });
            var labels = await page.EvaluateAsync<double[][]>(@"() => [...document.querySelectorAll('.time-chart .mud-charts-xaxis')]
                .filter(t => t.textContent.trim().length > 0).map(t => { const r = t.getBoundingClientRect(); return [r.top, r.left, r.right]; })");
            labels.Length.ShouldBeGreaterThan(1);
            foreach (var row in labels.GroupBy(l => Math.Round(l[0])))
            {
                var ordered = row.OrderBy(l => l[1]).ToList();
                for (var i = 1; i < ordered.Count; i++)
                {
                    ordered[i][1].ShouldBeGreaterThan(ordered[i - 1][2] + 2, "time labels on one axis keep apart");
                }
            }

            // The grid in the theme's line colour, not MudBlazor's fixed light grey.
            var strokes = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('.time-chart .mud-charts-gridlines-yaxis path')].map(p => getComputedStyle(p).stroke)");
            strokes.ShouldNotBeEmpty();
            strokes.ShouldAllBe(s => s.StartsWith("rgba(255, 255, 255, 0.1", StringComparison.Ordinal)); // white at 12 %
            await BrowserFixture.ScreenshotAsync(page, "phone-chart-dark");
        }, hs.Process);
    }
}
