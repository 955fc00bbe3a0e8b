using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Panel.Infrastructure.Persistence.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class MessageRetention : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "RetentionAllowedMaxDays",
                table: "homeserver",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RetentionDefaultMaxDays",
                table: "homeserver",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "RetentionEnabled",
                table: "homeserver",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "RetentionAllowedMaxDays",
                table: "homeserver");

            migrationBuilder.DropColumn(
                name: "RetentionDefaultMaxDays",
                table: "homeserver");

            migrationBuilder.DropColumn(
                name: "RetentionEnabled",
                table: "homeserver");
        }
    }
}
