using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Panel.Infrastructure.Persistence.Postgres.Migrations
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
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Workspace = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    SlackUserId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    MatrixUserId = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    How = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
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
