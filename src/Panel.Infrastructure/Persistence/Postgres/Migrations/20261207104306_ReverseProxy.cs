using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Panel.Infrastructure.Persistence.Postgres.Migrations
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
                    Id = table.Column<int>(type: "integer", nullable: false),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    Certificate = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    AcmeEmail = table.Column<string>(type: "character varying(254)", maxLength: 254, nullable: true),
                    CertificatePem = table.Column<string>(type: "character varying(65536)", maxLength: 65536, nullable: true),
                    KeyPemProtected = table.Column<string>(type: "character varying(65536)", maxLength: 65536, nullable: true),
                    ServeWellKnown = table.Column<bool>(type: "boolean", nullable: false)
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
