using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Panel.Infrastructure.Persistence.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Donations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "donation_ledger",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Type = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    AmountMinor = table.Column<long>(type: "bigint", nullable: false),
                    Currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    Counted = table.Column<bool>(type: "boolean", nullable: false),
                    OccurredAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    SourceEventId = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    CheckoutSessionId = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    PaymentIntentId = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    InvoiceId = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    SubscriptionId = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    ChargeId = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    DisplayName = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: true),
                    Message = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    ShowName = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_donation_ledger", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "donation_pledges",
                columns: table => new
                {
                    SubscriptionId = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    AmountMinor = table.Column<long>(type: "bigint", nullable: false),
                    Currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    DisplayName = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: true),
                    ShowName = table.Column<bool>(type: "boolean", nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    EndedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_donation_pledges", x => x.SubscriptionId);
                });

            migrationBuilder.CreateTable(
                name: "donation_settings",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false),
                    Currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    SuggestedAmountsMinor = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    MinimumMinor = table.Column<long>(type: "bigint", nullable: false),
                    MaximumMinor = table.Column<long>(type: "bigint", nullable: false),
                    CostLines = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: false),
                    PublicMessage = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    ExternalLinks = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    ShowSupporters = table.Column<bool>(type: "boolean", nullable: false),
                    SecretKeyProtected = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    PublishableKey = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    WebhookSecretProtected = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_donation_settings", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "stripe_events",
                columns: table => new
                {
                    EventId = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    Type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    ReceivedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_stripe_events", x => x.EventId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_donation_ledger_CheckoutSessionId",
                table: "donation_ledger",
                column: "CheckoutSessionId");

            migrationBuilder.CreateIndex(
                name: "IX_donation_ledger_InvoiceId",
                table: "donation_ledger",
                column: "InvoiceId");

            migrationBuilder.CreateIndex(
                name: "IX_donation_ledger_OccurredAt",
                table: "donation_ledger",
                column: "OccurredAt");

            migrationBuilder.CreateIndex(
                name: "IX_donation_ledger_PaymentIntentId",
                table: "donation_ledger",
                column: "PaymentIntentId");

            migrationBuilder.CreateIndex(
                name: "IX_donation_ledger_SourceEventId",
                table: "donation_ledger",
                column: "SourceEventId",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "donation_ledger");

            migrationBuilder.DropTable(
                name: "donation_pledges");

            migrationBuilder.DropTable(
                name: "donation_settings");

            migrationBuilder.DropTable(
                name: "stripe_events");
        }
    }
}
