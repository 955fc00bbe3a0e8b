using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Panel.Infrastructure.Persistence.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ReverseProxy : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "reverse_proxy_settings",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    Certificate = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    AcmeEmail = table.Column<string>(type: "TEXT", maxLength: 254, nullable: true),
                    CertificatePem = table.Column<string>(type: "TEXT", maxLength: 65536, nullable: true),
                    KeyPemProtected = table.Column<string>(type: "TEXT", maxLength: 65536, nullable: true),
                    ServeWellKnown = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_reverse_proxy_settings", x => x.Id);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "reverse_proxy_settings");
        }
    }
}
