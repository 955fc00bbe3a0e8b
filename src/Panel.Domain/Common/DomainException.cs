namespace Panel.Domain.Common;

/// <summary>
/// A rule of the domain was broken by the caller's input or by the current state. Its message is
/// written for the person using the panel and is safe to show them.
/// </summary>
public class DomainException : Exception
{
    public DomainException(string message) : base(message) { }

    public DomainException(string message, Exception inner) : base(message, inner) { }

    public DomainException() { }

    /// <summary>The raw text behind the message (an engine's or a server's own words), for those who want it; shown folded.</summary>
    public string? Details { get; init; }
}

/// <summary>The thing asked for does not exist.</summary>
public sealed class NotFoundException : DomainException
{
    public NotFoundException(string message) : base(message) { }

    public NotFoundException() { }

    public NotFoundException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The request conflicts with the current state (already installed, already taken, ...).</summary>
public sealed class ConflictException : DomainException
{
    public ConflictException(string message) : base(message) { }

    public ConflictException() { }

    public ConflictException(string message, Exception inner) : base(message, inner) { }
}
