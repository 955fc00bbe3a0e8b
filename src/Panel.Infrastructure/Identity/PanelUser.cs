using Microsoft.AspNetCore.Identity;

namespace Panel.Infrastructure.Identity;

/// <summary>A person who may sign in to the panel (the Owner or an Admin), not a Matrix user.</summary>
public sealed class PanelUser : IdentityUser
{
    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastLoginAt { get; set; }
}
