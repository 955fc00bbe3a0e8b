using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Panel.Infrastructure.Persistence.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Homeserver : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "homeserver",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false),
                    Mode = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ServerName = table.Column<string>(type: "character varying(260)", maxLength: 260, nullable: false),
                    PublicBaseUrl = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    Database = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    SynapseImage = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    DatabaseImage = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    PreviousSynapseImage = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    MemoryLimitBytes = table.Column<long>(type: "bigint", nullable: false),
                    CacheFactor = table.Column<double>(type: "double precision", nullable: false),
                    HostPort = table.Column<int>(type: "integer", nullable: true),
                    Desired = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Phase = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    LastError = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    InstalledAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    RegistrationSharedSecretProtected = table.Column<string>(type: "text", nullable: true),
                    MacaroonSecretKeyProtected = table.Column<string>(type: "text", nullable: true),
                    FormSecretProtected = table.Column<string>(type: "text", nullable: true),
                    DatabasePasswordProtected = table.Column<string>(type: "text", nullable: true),
                    SigningKeyProtected = table.Column<string>(type: "text", nullable: true),
                    AdminAccessTokenProtected = table.Column<string>(type: "text", nullable: true),
                    AdminUserId = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    AdminPasswordProtected = table.Column<string>(type: "text", nullable: true),
                    AttachedBaseUrl = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    AttachedContainerName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    RegistrationTokensEnabled = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_homeserver", x => x.Id);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "homeserver");
        }
    }
}
