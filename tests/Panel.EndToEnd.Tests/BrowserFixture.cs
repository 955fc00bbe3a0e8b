using Microsoft.Playwright;
using Panel.Testing;

namespace Panel.EndToEnd.Tests;

/// <summary>
/// One headless Debian Chromium per test class (Playwright gives it a fresh profile), driven by Playwright. Playwright's own browser
/// download cannot work here and is not needed: the system's Chromium is used.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = default!;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(TestEnvironment.ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium is not at {TestEnvironment.ChromiumPath}. {TestEnvironment.HowToStart}");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = TestEnvironment.ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
    }

    /// <summary>A fresh context (cookies, storage) per visitor.</summary>
    public Task<IPage> NewPageAsync(string baseUrl) => NewPageAsync(baseUrl, 1280, 900);

    /// <summary>A page in a fresh browser context of that size, in the system's light or dark mode.</summary>
    public async Task<IPage> NewPageAsync(string baseUrl, int width, int height, bool dark = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl, ViewportSize = new ViewportSize { Width = width, Height = height }, ColorScheme = dark ? ColorScheme.Dark : ColorScheme.Light,
        });
        context.SetDefaultTimeout(20_000);
        return await context.NewPageAsync();
    }

    /// <summary>Runs a browser scenario; on failure, keeps a screenshot and the page's console for the report.</summary>
    public static async Task RunAsync(IPage page, string name, Func<Task> scenario, PanelProcess? panel = null)
    {
        var console = new List<string>();
        page.Console += (_, m) => console.Add($"{m.Type}: {m.Text}");
        page.PageError += (_, e) => console.Add("page error: " + e);
        try
        {
            await scenario();
        }
        catch (Exception ex)
        {
            await ScreenshotAsync(page, name + "-failure");
            var server = panel is null ? "" : "\nPanel output (last lines):\n" + string.Join('\n', panel.Output.Split('\n').TakeLast(60));
            throw new InvalidOperationException($"{ex.Message}\nURL: {page.Url}\nBrowser console:\n{string.Join('\n', console)}{server}", ex);
        }
    }

    /// <summary>
    /// Checks that nothing makes the page wider than the viewport (a phone layout that overflows);
    /// fails naming the elements that stick out, innermost first.
    /// </summary>
    public static async Task ShouldFitTheWidthAsync(IPage page, int width)
    {
        var wide = await page.EvaluateAsync<string[]>(@"w => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > w + 1 && ![...e.children].some(c => c.getBoundingClientRect().right > w + 1))
            .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${e.className} '${(e.textContent || '').trim().slice(0, 60)}' right=${Math.round(e.getBoundingClientRect().right)}`)", width);
        (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(width, "sticking out: " + string.Join("; ", wide));
        // Text can also be cut inside a box that scrolls or clips sideways (a table in a card): the
        // page fits, yet a column is out of sight. Leaves with text must be on screen.
        var cut = await page.EvaluateAsync<string[]>(@"w => [...document.querySelectorAll('body *')]
            .filter(e => e.children.length === 0 && (e.textContent || '').trim().length > 0 && e.getClientRects().length > 0)
            .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > w + 1; })
            .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${e.className} '${(e.textContent || '').trim().slice(0, 60)}' right=${Math.round(e.getBoundingClientRect().right)}`)", width);
        cut.ShouldBeEmpty("text out of sight");
    }

    public static async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestEnvironment.ArtifactsDirectory, name + ".png"), FullPage = true });

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
