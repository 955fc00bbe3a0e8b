using System.Globalization;
using Panel.Domain.Common;

namespace Panel.Domain.Donations;

/// <summary>
/// An amount in a currency's minor units (cents), as Stripe counts money. Zero-decimal currencies
/// such as JPY have no minor unit: 500 means ¥500.
/// </summary>
public readonly record struct Money(long Minor, string Currency)
{
    /// <summary>Stripe's zero-decimal currencies.</summary>
    public static readonly IReadOnlySet<string> ZeroDecimal = new HashSet<string>(StringComparer.Ordinal)
    {
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
    };

    /// <summary>Currencies the panel offers (Stripe supports them all for Checkout).</summary>
    public static readonly IReadOnlySet<string> Supported = new HashSet<string>(StringComparer.Ordinal)
    {
        "eur", "usd", "gbp", "chf", "cad", "aud", "nzd", "sek", "nok", "dkk", "pln", "czk", "huf", "jpy", "krw", "brl", "mxn", "inr", "sgd", "hkd",
    };

    private static readonly Dictionary<string, string> Symbols = new(StringComparer.Ordinal)
    {
        ["eur"] = "€", ["usd"] = "$", ["gbp"] = "£", ["jpy"] = "¥", ["inr"] = "₹", ["krw"] = "₩",
    };

    public static string NormalizeCurrency(string? currency)
    {
        var c = (currency ?? "").Trim().ToLowerInvariant();
        if (!Supported.Contains(c))
        {
            throw new DomainException($"'{currency}' is not a currency the panel supports ({string.Join(", ", Supported.Order())}).");
        }

        return c;
    }

    public int Decimals => ZeroDecimal.Contains(Currency) ? 0 : 2;

    public decimal Major => Minor / (decimal)Math.Pow(10, Decimals);

    public static Money FromMajor(decimal major, string currency)
    {
        var c = NormalizeCurrency(currency);
        var decimals = ZeroDecimal.Contains(c) ? 0 : 2;
        var minor = major * (decimal)Math.Pow(10, decimals);
        if (minor != decimal.Truncate(minor))
        {
            throw new DomainException(decimals == 0 ? $"{c.ToUpperInvariant()} has no cents: use a whole number." : "Use at most two decimals.");
        }

        return new Money((long)minor, c);
    }

    public override string ToString()
    {
        var number = Major.ToString(Decimals == 0 ? "#,0" : "#,0.00", CultureInfo.InvariantCulture);
        return Symbols.TryGetValue(Currency, out var symbol) ? symbol + number : $"{number} {Currency.ToUpperInvariant()}";
    }
}
