using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Panel.Testing;

/// <summary>
/// Stripe events in the shapes of Stripe's API reference (Event, Checkout Session, Invoice,
/// Subscription, Charge, Dispute), and the signature header exactly as Stripe computes it:
/// <c>t=&lt;unix&gt;,v1=&lt;hex HMAC-SHA256 of "t.payload" with the signing secret&gt;</c>.
/// </summary>
public static class StripeEvents
{
    public static string ApiVersion { get; set; } = "2026-10-28.endive";

    public static string Sign(string payload, string secret, DateTimeOffset at)
    {
        var t = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{payload}"));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    public static string Event(string type, JsonObject data, DateTimeOffset created, bool livemode = false, string? id = null) => new JsonObject
    {
        ["id"] = id ?? "evt_" + Guid.NewGuid().ToString("N")[..24],
        ["object"] = "event",
        ["api_version"] = ApiVersion,
        ["created"] = created.ToUnixTimeSeconds(),
        ["data"] = new JsonObject { ["object"] = data },
        ["livemode"] = livemode,
        ["pending_webhooks"] = 1,
        ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
        ["type"] = type,
    }.ToJsonString();

    public static JsonObject Ours(string? name = null, bool show = false)
    {
        var m = new JsonObject { ["homeserver_panel"] = "1", ["show_name"] = show ? "1" : "0" };
        if (name is not null)
        {
            m["display_name"] = name;
        }

        return m;
    }

    public static JsonObject CheckoutSession(string id, string mode, string paymentStatus, long amount, string? paymentIntent, string? subscription, JsonObject metadata, DateTimeOffset created, string currency = "eur") => new()
    {
        ["id"] = id,
        ["object"] = "checkout.session",
        ["amount_subtotal"] = amount,
        ["amount_total"] = amount,
        ["cancel_url"] = "https://panel.example/donate/cancelled",
        ["created"] = created.ToUnixTimeSeconds(),
        ["currency"] = currency,
        ["customer"] = null,
        ["livemode"] = false,
        ["metadata"] = metadata,
        ["mode"] = mode,
        ["payment_intent"] = paymentIntent,
        ["payment_status"] = paymentStatus,
        ["status"] = "complete",
        ["submit_type"] = mode == "payment" ? "donate" : null,
        ["subscription"] = subscription,
        ["success_url"] = "https://panel.example/donate/thanks?session_id={CHECKOUT_SESSION_ID}",
        ["url"] = null,
    };

    public static JsonObject Invoice(string id, string subscription, long amount, JsonObject subscriptionMetadata, DateTimeOffset created, string currency = "eur") => new()
    {
        ["id"] = id,
        ["object"] = "invoice",
        ["amount_due"] = amount,
        ["amount_paid"] = amount,
        ["amount_remaining"] = 0,
        ["billing_reason"] = "subscription_cycle",
        ["created"] = created.ToUnixTimeSeconds(),
        ["currency"] = currency,
        ["livemode"] = false,
        ["status"] = "paid",
        ["parent"] = new JsonObject
        {
            ["type"] = "subscription_details",
            ["quote_details"] = null,
            ["subscription_details"] = new JsonObject { ["metadata"] = subscriptionMetadata, ["subscription"] = subscription },
        },
        ["lines"] = new JsonObject { ["object"] = "list", ["data"] = new JsonArray(), ["has_more"] = false, ["url"] = $"/v1/invoices/{id}/lines" },
    };

    public static JsonObject Subscription(string id, string status, long monthly, JsonObject metadata, DateTimeOffset created, string currency = "eur") => new()
    {
        ["id"] = id,
        ["object"] = "subscription",
        ["cancel_at_period_end"] = false,
        ["created"] = created.ToUnixTimeSeconds(),
        ["currency"] = currency,
        ["livemode"] = false,
        ["metadata"] = metadata,
        ["status"] = status,
        ["items"] = new JsonObject
        {
            ["object"] = "list",
            ["has_more"] = false,
            ["url"] = $"/v1/subscription_items?subscription={id}",
            ["data"] = new JsonArray(new JsonObject
            {
                ["id"] = "si_" + id[4..],
                ["object"] = "subscription_item",
                ["quantity"] = 1,
                ["subscription"] = id,
                ["price"] = new JsonObject
                {
                    ["id"] = "price_" + id[4..],
                    ["object"] = "price",
                    ["currency"] = currency,
                    ["unit_amount"] = monthly,
                    ["type"] = "recurring",
                    ["recurring"] = new JsonObject { ["interval"] = "month", ["interval_count"] = 1 },
                },
            }),
        },
    };

    public static JsonObject Charge(string id, string paymentIntent, long amount, long refunded, DateTimeOffset created, string currency = "eur") => new()
    {
        ["id"] = id,
        ["object"] = "charge",
        ["amount"] = amount,
        ["amount_captured"] = amount,
        ["amount_refunded"] = refunded,
        ["captured"] = true,
        ["created"] = created.ToUnixTimeSeconds(),
        ["currency"] = currency,
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["paid"] = true,
        ["payment_intent"] = paymentIntent,
        ["refunded"] = refunded >= amount,
        ["status"] = "succeeded",
    };

    public static JsonObject Dispute(string id, string charge, string paymentIntent, long amount, DateTimeOffset created, string currency = "eur") => new()
    {
        ["id"] = id,
        ["object"] = "dispute",
        ["amount"] = amount,
        ["charge"] = charge,
        ["created"] = created.ToUnixTimeSeconds(),
        ["currency"] = currency,
        ["is_charge_refundable"] = false,
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["payment_intent"] = paymentIntent,
        ["reason"] = "fraudulent",
        ["status"] = "needs_response",
    };

    public static string Serialize(JsonNode node) => node.ToJsonString(new JsonSerializerOptions());
}
