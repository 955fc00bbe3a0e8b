using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Panel.Infrastructure.Persistence.Sqlite.Migrations
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
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    Mode = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ServerName = table.Column<string>(type: "TEXT", maxLength: 260, nullable: false),
                    PublicBaseUrl = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    Database = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    SynapseImage = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    DatabaseImage = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    PreviousSynapseImage = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    MemoryLimitBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    CacheFactor = table.Column<double>(type: "REAL", nullable: false),
                    HostPort = table.Column<int>(type: "INTEGER", nullable: true),
                    Desired = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Phase = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    InstalledAt = table.Column<long>(type: "INTEGER", nullable: true),
                    RegistrationSharedSecretProtected = table.Column<string>(type: "TEXT", nullable: true),
                    MacaroonSecretKeyProtected = table.Column<string>(type: "TEXT", nullable: true),
                    FormSecretProtected = table.Column<string>(type: "TEXT", nullable: true),
                    DatabasePasswordProtected = table.Column<string>(type: "TEXT", nullable: true),
                    SigningKeyProtected = table.Column<string>(type: "TEXT", nullable: true),
                    AdminAccessTokenProtected = table.Column<string>(type: "TEXT", nullable: true),
                    AdminUserId = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    AdminPasswordProtected = table.Column<string>(type: "TEXT", nullable: true),
                    AttachedBaseUrl = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    AttachedContainerName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    RegistrationTokensEnabled = table.Column<bool>(type: "INTEGER", nullable: false)
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
