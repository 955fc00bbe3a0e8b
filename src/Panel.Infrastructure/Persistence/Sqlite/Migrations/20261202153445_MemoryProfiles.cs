using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Panel.Infrastructure.Persistence.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class MemoryProfiles : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Existing installs run Synapse's defaults (10,000 events cached, presence on): the new columns say so.
            migrationBuilder.AddColumn<bool>(
                name: "CacheAutotuning",
                table: "homeserver",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "EventCacheSize",
                table: "homeserver",
                type: "INTEGER",
                nullable: false,
                defaultValue: 10000);

            migrationBuilder.AddColumn<long>(
                name: "MaxCacheMemoryBytes",
                table: "homeserver",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "MemoryProfile",
                table: "homeserver",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "Custom");

            migrationBuilder.AddColumn<int>(
                name: "MinCacheTtlSeconds",
                table: "homeserver",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "PresenceEnabled",
                table: "homeserver",
                type: "INTEGER",
                nullable: false,
                defaultValue: true);

            migrationBuilder.AddColumn<double>(
                name: "RemoteRoomComplexityLimit",
                table: "homeserver",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "TargetCacheMemoryBytes",
                table: "homeserver",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "CacheAutotuning",
                table: "homeserver");

            migrationBuilder.DropColumn(
                name: "EventCacheSize",
                table: "homeserver");

            migrationBuilder.DropColumn(
                name: "MaxCacheMemoryBytes",
                table: "homeserver");

            migrationBuilder.DropColumn(
                name: "MemoryProfile",
                table: "homeserver");

            migrationBuilder.DropColumn(
                name: "MinCacheTtlSeconds",
                table: "homeserver");

            migrationBuilder.DropColumn(
                name: "PresenceEnabled",
                table: "homeserver");

            migrationBuilder.DropColumn(
                name: "RemoteRoomComplexityLimit",
                table: "homeserver");

            migrationBuilder.DropColumn(
                name: "TargetCacheMemoryBytes",
                table: "homeserver");
        }
    }
}
