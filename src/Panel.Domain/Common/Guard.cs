namespace Panel.Domain.Common;

internal static class Guard
{
    public static string NotBlank(string? value, string what, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new DomainException($"{what} is required.");
        }

        var trimmed = value.Trim();
        if (trimmed.Length > maxLength)
        {
            throw new DomainException($"{what} must be at most {maxLength} characters.");
        }

        return trimmed;
    }

    public static string? Optional(string? value, string what, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return NotBlank(value, what, maxLength);
    }
}
