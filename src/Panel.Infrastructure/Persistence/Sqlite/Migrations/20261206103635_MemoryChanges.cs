using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Panel.Infrastructure.Persistence.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class MemoryChanges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "Requests",
                table: "metric_buckets",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "Syncs",
                table: "metric_buckets",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "memory_changes",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RequestedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    AppliedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    FromProfile = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ToProfile = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Summary = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    Window = table.Column<TimeSpan>(type: "TEXT", nullable: false),
                    WarmUp = table.Column<TimeSpan>(type: "TEXT", nullable: false),
                    Before = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    After = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Note = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_memory_changes", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_memory_changes_Status",
                table: "memory_changes",
                column: "Status");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "memory_changes");

            migrationBuilder.DropColumn(
                name: "Requests",
                table: "metric_buckets");

            migrationBuilder.DropColumn(
                name: "Syncs",
                table: "metric_buckets");
        }
    }
}
