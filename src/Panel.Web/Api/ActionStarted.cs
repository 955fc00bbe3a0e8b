namespace Panel.Web.Api;

/// <summary>
/// The answer to a request that starts a long action (202 Accepted): what was started, and its
/// state; the Location header names the resource to follow it at.
/// </summary>
public sealed record ActionStarted(Guid Id, string Status);
