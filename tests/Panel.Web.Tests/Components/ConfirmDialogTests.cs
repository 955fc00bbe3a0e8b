using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Panel.Web.Components.Shared;

namespace Panel.Web.Tests.Components;

public sealed class ConfirmDialogTests : MudTestContext
{
    [Fact]
    public async Task Confirm_with_type_to_confirm_stays_disabled_until_the_exact_text_is_typed()
    {
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();

        var answer = provider.InvokeAsync(() => dialogs.ConfirmAsync("Delete data?", "All messages will be gone.", "Delete", typeToConfirm: "chat.example.org"));

        provider.WaitForAssertion(() => provider.Find("[data-testid=confirm-button]").HasAttribute("disabled").ShouldBeTrue());
        provider.Markup.ShouldContain("All messages will be gone.");
        provider.Find("input[data-testid=confirm-text]").Input("chat.example");
        provider.Find("[data-testid=confirm-button]").HasAttribute("disabled").ShouldBeTrue();
        provider.Find("input[data-testid=confirm-text]").Input("chat.example.org");
        provider.WaitForAssertion(() => provider.Find("[data-testid=confirm-button]").HasAttribute("disabled").ShouldBeFalse());
        provider.Find("[data-testid=confirm-button]").Click();

        (await answer).ShouldBeTrue();
    }

    [Fact]
    public async Task Confirm_cancelled_answers_false()
    {
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();

        var answer = provider.InvokeAsync(() => dialogs.ConfirmAsync("Revoke?", "It stops working.", "Revoke"));
        provider.WaitForAssertion(() => provider.FindAll("button").Count.ShouldBeGreaterThan(1));
        provider.FindAll("button").First(b => b.TextContent.Trim() == "Cancel").Click();

        (await answer).ShouldBeFalse();
    }
}
