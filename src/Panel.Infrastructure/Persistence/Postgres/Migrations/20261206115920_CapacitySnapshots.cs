using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Panel.Infrastructure.Persistence.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class CapacitySnapshots : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "capacity_snapshots",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Time = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Settings = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    Rooms = table.Column<long>(type: "bigint", nullable: false),
                    StateEvents = table.Column<long>(type: "bigint", nullable: false),
                    Members = table.Column<long>(type: "bigint", nullable: false),
                    LocalMembers = table.Column<long>(type: "bigint", nullable: false),
                    ActiveUsers = table.Column<long>(type: "bigint", nullable: false),
                    Devices = table.Column<long>(type: "bigint", nullable: false),
                    MemoryBytes = table.Column<long>(type: "bigint", nullable: true),
                    DatabaseBytes = table.Column<long>(type: "bigint", nullable: true),
                    MediaBytes = table.Column<long>(type: "bigint", nullable: true),
                    DiskUsedBytes = table.Column<long>(type: "bigint", nullable: true),
                    DiskTotalBytes = table.Column<long>(type: "bigint", nullable: true),
                    Load1 = table.Column<double>(type: "double precision", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_capacity_snapshots", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_capacity_snapshots_Time",
                table: "capacity_snapshots",
                column: "Time");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "capacity_snapshots");
        }
    }
}
