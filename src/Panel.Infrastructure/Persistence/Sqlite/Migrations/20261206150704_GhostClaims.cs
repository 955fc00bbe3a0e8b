using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Panel.Infrastructure.Persistence.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class GhostClaims : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ghost_claims",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Workspace = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    SlackUserId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    MatrixUserId = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    How = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ghost_claims", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ghost_claims_Workspace_SlackUserId",
                table: "ghost_claims",
                columns: new[] { "Workspace", "SlackUserId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ghost_claims");
        }
    }
}
