using System.Net;
using Panel.Testing;

namespace Panel.Web.Tests.Host;

/// <summary>A password typed into a form is never written back into the page that answers the post.</summary>
public sealed class PasswordEchoTests
{
    private const string Typed = "do-not-echo-this-password-7f3a";

    [Fact]
    public async Task Login_with_a_wrong_password_answers_without_the_password_in_the_page()
    {
        using var factory = new PanelWebFactory();
        await factory.EnsureOwnerAsync();

        var response = await Forms.SubmitAsync(factory.CreateBrowserClient(), "/account/login", "login", new Dictionary<string, string>
        {
            ["Input.UserName"] = "owner",
            ["Input.Password"] = Typed,
        });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.BodyAsync();
        body.ShouldContain("The user name or the password is wrong.");
        body.ShouldNotContain(Typed);
    }

    [Theory]
    [InlineData(Typed, Typed + "-other")] // the two do not match
    [InlineData("short7f3a", "short7f3a")] // too short
    public async Task Setup_refused_answers_without_either_password_in_the_page(string password, string confirm)
    {
        using var factory = new PanelWebFactory();

        var response = await Forms.SubmitAsync(factory.CreateBrowserClient(), "/setup", "setup", new Dictionary<string, string>
        {
            ["Input.UserName"] = "owner",
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = confirm,
        });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.BodyAsync();
        body.ShouldContain("Input.UserName"); // the form is shown again, with the name kept
        body.ShouldContain("value=\"owner\"");
        body.ShouldNotContain(password);
        body.ShouldNotContain(confirm);
        (await factory.CountOwnersAsync()).ShouldBe(0);
    }
}
