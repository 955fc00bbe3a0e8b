using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Panel.Infrastructure.Persistence.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class WorkersOnSwarm : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "WorkerImage",
                table: "homeserver",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "WorkersOnSwarm",
                table: "homeserver",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "WorkerImage",
                table: "homeserver");

            migrationBuilder.DropColumn(
                name: "WorkersOnSwarm",
                table: "homeserver");
        }
    }
}
