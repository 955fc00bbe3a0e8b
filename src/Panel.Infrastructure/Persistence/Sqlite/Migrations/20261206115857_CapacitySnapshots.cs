using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Panel.Infrastructure.Persistence.Sqlite.Migrations
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
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Time = table.Column<long>(type: "INTEGER", nullable: false),
                    Settings = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    Rooms = table.Column<long>(type: "INTEGER", nullable: false),
                    StateEvents = table.Column<long>(type: "INTEGER", nullable: false),
                    Members = table.Column<long>(type: "INTEGER", nullable: false),
                    LocalMembers = table.Column<long>(type: "INTEGER", nullable: false),
                    ActiveUsers = table.Column<long>(type: "INTEGER", nullable: false),
                    Devices = table.Column<long>(type: "INTEGER", nullable: false),
                    MemoryBytes = table.Column<long>(type: "INTEGER", nullable: true),
                    DatabaseBytes = table.Column<long>(type: "INTEGER", nullable: true),
                    MediaBytes = table.Column<long>(type: "INTEGER", nullable: true),
                    DiskUsedBytes = table.Column<long>(type: "INTEGER", nullable: true),
                    DiskTotalBytes = table.Column<long>(type: "INTEGER", nullable: true),
                    Load1 = table.Column<double>(type: "REAL", nullable: true)
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
