using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Panel.Infrastructure.Persistence.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ScheduledRoomArchives : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ArchivedRooms",
                table: "backup_settings",
                type: "TEXT",
                maxLength: 12800,
                nullable: false,
                defaultValue: "");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ArchivedRooms",
                table: "backup_settings");
        }
    }
}
